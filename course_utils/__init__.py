"""Shared code of the CNN and object-detection lecture notebooks.

One concept per module, in the order the course meets them: ``device``,
``bench``, ``seed``, ``train``, ``plots``, ``conv_math``, ``summary``,
``data``, ``models``, ``widgets``, ``detection``. Import what you need
explicitly, e.g. ``from course_utils.device import get_device``.
"""

__version__ = "0.1.0"
