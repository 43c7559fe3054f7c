"""Figures the notebooks quote from papers and libraries, each held once with its source.

A number in a notebook's text that is not measured by the notebook itself is *cited*: it lives
here, with the paper and the table or section it comes from, and the notebook shows or uses it
through :func:`figure` or :func:`cite` (so the key appears in a code cell). The provenance check
(:mod:`course_utils.tooling.provenance`) accepts a cited number in the text only when a figure of
that value is held here *and* the notebook's code names the figure's key.

>>> figure("lenet5_trainable_parameters").value
'60,000'
>>> print(cite("lenet5_trainable_parameters"))
LeNet-5 trainable parameters (C1 156 + S2 12 + C3 1,516 + S4 32 + C5 48,120 + F6 10,164): 60,000 — LeCun et al., Proc. IEEE 1998, section II.B
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Figure", "FIGURES", "figure", "cite"]


@dataclass(frozen=True)
class Figure:
    """One quoted figure: its value as the source writes it (a string keeps the precision)."""

    value: str  # "16.4", "60,000", a range "1.5–2"
    unit: str  # "%", "s", "" …
    what: str  # what the number is, in a few words
    source: str  # paper (venue, year), table / section / figure

    def __str__(self) -> str:
        unit = f" {self.unit}" if self.unit and self.unit not in "%×" else self.unit
        return f"{self.what}: {self.value}{unit} — {self.source}"


FIGURES: dict[str, Figure] = {
    "lenet5_trainable_parameters": Figure(
        "60,000",
        "",
        "LeNet-5 trainable parameters (C1 156 + S2 12 + C3 1,516 + S4 32 + C5 48,120 + F6 10,164)",
        "LeCun et al., Proc. IEEE 1998, section II.B",
    ),
}


def figure(key: str) -> Figure:
    """The figure held under ``key``; a clear error lists the keys when it is unknown."""
    try:
        return FIGURES[key]
    except KeyError:
        raise KeyError(f"no figure {key!r}; known: {', '.join(sorted(FIGURES))}") from None


def cite(*keys: str) -> str:
    """One line per figure: what, value, source (for a notebook to print beside its text)."""
    return "\n".join(str(figure(k)) for k in keys)
