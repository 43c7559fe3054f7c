"""The course's networks: small models for digits, the classic ImageNet architectures, minis.

Full-size models follow the papers (and torchvision's layer shapes where torchvision has
the model); build them under ``with torch.device("meta"):`` to count parameters without
allocating weights. The ``mini_*`` variants keep each family's structure at a size that
trains on a laptop CPU on 32×32 images.

>>> import torch
>>> with torch.device("meta"):
...     count_parameters(vgg16())
138357544
"""

from course_utils.models.alexnet import (
    ALEXNET_PAPER,
    ALEXNET_TORCHVISION,
    AlexNet,
    ConvSpec,
    LocalResponseNorm,
    alexnet,
    alexnet_paper,
    lrn,
    mini_alexnet,
    mini_alexnet_table,
)
from course_utils.models.googlenet import (
    GOOGLENET_LAYOUT,
    MINI_GOOGLENET_LAYOUT,
    ConvBlock,
    GoogLeNet,
    GoogLeNetOutputs,
    Inception,
    InceptionAux,
    googlenet,
    googlenet_loss,
    mini_googlenet,
)
from course_utils.models.lenet import (
    LENET5_PAPER_PARAMETERS,
    LENET5_RBF_CENTRES,
    LeNet5,
    count_lenet5_parameters,
    lenet5,
)
from course_utils.models.nin import (
    NIN_CIFAR10_LAYOUT,
    MLPConv,
    NiN,
    mini_nin,
    mini_nin_layout,
    nin_cifar10,
)
from course_utils.models.resnet import (
    RESNET_LAYERS,
    BasicBlock,
    Bottleneck,
    ResNet,
    ZeroPadShortcut,
    cifar_resnet,
    mini_resnet,
    plain_resnet,
    resnet,
    resnet18,
    resnet34,
    resnet50,
    resnet101,
    resnet152,
)
from course_utils.models.simple import MLP, CheckedFlatten, SmallCNN, count_parameters
from course_utils.models.vgg import (
    VGG,
    VGG_CONFIGS,
    make_vgg_features,
    mini_vgg,
    mini_vgg_config,
    vgg11,
    vgg11_bn,
    vgg13,
    vgg13_bn,
    vgg16,
    vgg16_bn,
    vgg19,
    vgg19_bn,
)
from course_utils.models.zfnet import ZFNET, ZFNet, mini_zfnet, mini_zfnet_table, zfnet

__all__ = [
    # simple
    "MLP",
    "SmallCNN",
    "CheckedFlatten",
    "count_parameters",
    # LeNet-5
    "LeNet5",
    "lenet5",
    "count_lenet5_parameters",
    "LENET5_PAPER_PARAMETERS",
    "LENET5_RBF_CENTRES",
    # AlexNet
    "AlexNet",
    "ConvSpec",
    "LocalResponseNorm",
    "lrn",
    "ALEXNET_PAPER",
    "ALEXNET_TORCHVISION",
    "alexnet",
    "alexnet_paper",
    "mini_alexnet",
    "mini_alexnet_table",
    # ZFNet
    "ZFNet",
    "ZFNET",
    "zfnet",
    "mini_zfnet",
    "mini_zfnet_table",
    # VGG
    "VGG",
    "VGG_CONFIGS",
    "make_vgg_features",
    "vgg11",
    "vgg11_bn",
    "vgg13",
    "vgg13_bn",
    "vgg16",
    "vgg16_bn",
    "vgg19",
    "vgg19_bn",
    "mini_vgg",
    "mini_vgg_config",
    # GoogLeNet
    "ConvBlock",
    "Inception",
    "InceptionAux",
    "GoogLeNet",
    "GoogLeNetOutputs",
    "GOOGLENET_LAYOUT",
    "MINI_GOOGLENET_LAYOUT",
    "googlenet",
    "googlenet_loss",
    "mini_googlenet",
    # Network in Network
    "MLPConv",
    "NiN",
    "NIN_CIFAR10_LAYOUT",
    "nin_cifar10",
    "mini_nin",
    "mini_nin_layout",
    # ResNet
    "BasicBlock",
    "Bottleneck",
    "ZeroPadShortcut",
    "ResNet",
    "RESNET_LAYERS",
    "resnet",
    "resnet18",
    "resnet34",
    "resnet50",
    "resnet101",
    "resnet152",
    "plain_resnet",
    "cifar_resnet",
    "mini_resnet",
]
