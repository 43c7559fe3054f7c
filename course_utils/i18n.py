"""The student's language, and the messages a student reads in it.

``COURSE_LANG=ko`` (the Korean notebooks set it) switches to Korean; :func:`language` reads
it at each call, so setting ``os.environ["COURSE_LANG"]`` in a running kernel takes effect
at once.

A message is a :class:`Message`: an identifier of :data:`CATALOGUE` and named fields. Each
identifier has one English and one Korean template (:func:`define`; the exercise checkers
define theirs beside their code, ``"02.size_plus_one"``), and a message is rendered from the
template of the language of the moment it is shown. Nothing is translated from English text:
the Korean is written once, per message, by hand.

Korean style: 해라체 ("…하라", "…이다"), the terms of ``i18n/terms.yml``; code, numbers,
shapes and formulas stay as they are. A particle after a field is written ``{field|을}`` and
follows the sound of the value (:func:`particle`: 커널을, 스트라이드를, (4, 3)이다, 12는), or
its neutral form 을(를) where the value's reading is unsure (an English word).

The test ``tests/test_checker_korean.py`` reads every Korean template and runs the checkers
on right and wrong answers under ``COURSE_LANG=ko``.
"""

from __future__ import annotations

import functools
import os
import re

__all__ = ["language", "Message", "define", "parse", "particle", "CATALOGUE"]

LANGUAGES = ("en", "ko")


def language() -> str:
    """``"ko"`` when ``COURSE_LANG`` starts with ko (ko, ko_KR, ko-KR), else ``"en"``."""
    value = os.environ.get("COURSE_LANG", "en").strip().lower()
    return "ko" if value.startswith("ko") else "en"


# ---------------------------------------------------------------------------------------------
# Messages with identifiers: one template per language, named fields, Korean particles


class Message:
    """A message a student reads: an identifier of :data:`CATALOGUE` and its named fields.

    Rendered when shown, in the language of that moment (:func:`language`): the template of
    that language with each ``{field}`` filled in. A field is text kept as it is (code, a
    shape, numbers already written out), a number (``{rate:.0%}`` formats it), or another
    Message, rendered in the same language (a hint inside a message).

    >>> define({"demo.wrong": ("wrong for {where} ({hint})", "{where}에서 틀렸다 ({hint})"),
    ...         "demo.plus1": ("count the + 1", "+ 1도 세어라")})
    >>> m = Message("demo.wrong", where="W=9, F=3", hint=Message("demo.plus1"))
    >>> m.render("en"), m.render("ko")
    ('wrong for W=9, F=3 (count the + 1)', 'W=9, F=3에서 틀렸다 (+ 1도 세어라)')
    """

    __slots__ = ("key", "fields")

    def __init__(self, key: str, /, **fields: object) -> None:
        if key not in CATALOGUE:
            raise KeyError(f"no message {key!r} in the catalogue (course_utils.i18n.define)")
        missing = set(CATALOGUE[key].fields) - set(fields)
        extra = set(fields) - set(CATALOGUE[key].fields)
        if missing or extra:
            raise TypeError(
                f"message {key!r} takes the fields {sorted(CATALOGUE[key].fields)}; got "
                f"{sorted(fields)}"
            )
        self.key = key
        self.fields = fields

    def render(self, lang: str | None = None) -> str:
        """The message in ``lang`` (``"en"`` or ``"ko"``; default: :func:`language`)."""
        lang = lang or language()
        return CATALOGUE[self.key].fill(lang, self.fields)

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        fields = "".join(f", {k}={v!r}" for k, v in self.fields.items())
        return f"Message({self.key!r}{fields})"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Message) and other.key == self.key
                and other.fields == self.fields)  # fmt: skip

    def __hash__(self) -> int:
        return hash((self.key, tuple(sorted((k, repr(v)) for k, v in self.fields.items()))))


# {name}, {name:.0%} (a format spec), {name|은} (a Korean particle chosen by the sound before it)
_FIELD = re.compile(r"\{(?P<name>\w+)(?::(?P<spec>[^}|]*))?(?:\|(?P<particle>[가-힣]+))?\}")

#: Particles that change with the preceding syllable: (after a final consonant, after a vowel).
PARTICLES: dict[str, tuple[str, str]] = {
    p: pair
    for pair in [("은", "는"), ("이", "가"), ("을", "를"), ("과", "와"), ("으로", "로"),
                 ("이다", "다"), ("이며", "며"), ("이고", "고"), ("이라", "라"), ("이나", "나")]
    for p in pair
}  # fmt: skip
_NEUTRAL = {"으로": "(으)로", "이다": "(이)다", "이며": "(이)며", "이고": "(이)고",
            "이라": "(이)라", "이나": "(이)나"}  # fmt: skip
# how digits and letters are read aloud in Korean: (has a final consonant, that consonant is ㄹ)
_DIGITS = {"0": (True, False), "1": (True, True), "2": (False, False), "3": (True, False),
           "4": (False, False), "5": (False, False), "6": (True, False), "7": (True, True),
           "8": (True, True), "9": (False, False)}  # fmt: skip
_LETTERS = {"L": (True, True), "M": (True, False), "N": (True, False), "R": (True, True)}
_UNITS = {"%": (False, False), "px": (True, True), "×": (False, False)}  # 퍼센트, 픽셀, 배


def final_sound(text: str) -> tuple[bool, bool] | None:
    """How ``text`` ends when read aloud: (a final consonant?, is it ㄹ?), None when unsure.

    Hangul by its last syllable; numbers by their last digit as read (1 일, 2 이, 10 십, 100
    백); a single capital or an acronym by the letter's name (N 엔, K 케이); other Latin
    words are left unsure (the caller writes the neutral form 은(는)).

    >>> final_sound("커널"), final_sound("(4, 3)"), final_sound("12"), final_sound("K")
    ((True, True), (True, False), (False, False), (False, False))
    >>> final_sound("tensor") is None
    True
    """
    text = text.rstrip(" )]}'\"`.,")
    if not text:
        return None
    for unit, sound in _UNITS.items():
        if text.endswith(unit) and (unit != "×" or text[:-1][-1:].isdigit()):
            return sound
    last = text[-1]
    if "가" <= last <= "힣":
        tail = (ord(last) - ord("가")) % 28
        return tail != 0, tail == 8
    if last.isdigit():
        digits = re.search(r"[\d,.]*$", text).group().replace(",", "")
        if "." not in digits and len(digits) > 1 and digits.endswith("0"):
            return True, False  # 십, 백, 천, 만
        return _DIGITS[last]
    word = re.search(r"[A-Za-z]+$", text)
    if word and (len(word.group()) == 1 or (word.group().isupper() and len(word.group()) <= 5)):
        letter = word.group()[-1].upper()
        return _LETTERS.get(letter, (False, False))
    return None


def particle(word: str, form: str) -> str:
    """The form of particle ``form`` (either spelling: 은 or 는) that follows ``word``.

    >>> particle("커널", "을"), particle("스트라이드", "을"), particle("필터", "으로")
    ('을', '를', '로')
    >>> particle("tensor", "이")
    '이(가)'
    """
    if form not in PARTICLES:
        raise ValueError(f"form must be one of {sorted(PARTICLES)}, got {form!r}")
    consonant, vowel = PARTICLES[form]
    sound = final_sound(word)
    if sound is None:
        return _NEUTRAL.get(consonant, f"{consonant}({vowel})")
    has_final, is_rieul = sound
    if consonant == "으로":
        return "로" if not has_final or is_rieul else "으로"
    return consonant if has_final else vowel


class Template:
    """One catalogue entry: the English and the Korean template of a message."""

    __slots__ = ("en", "ko", "fields")

    def __init__(self, key: str, en: str, ko: str) -> None:
        names = [{m["name"] for m in _FIELD.finditer(t)} for t in (en, ko)]
        if names[0] != names[1]:
            raise ValueError(
                f"message {key!r}: the English template has the fields {sorted(names[0])}, "
                f"the Korean one {sorted(names[1])}; they must be the same"
            )
        for m in _FIELD.finditer(ko):
            if m["particle"] and m["particle"] not in PARTICLES:
                raise ValueError(f"message {key!r}: unknown particle {m['particle']!r}")
        self.en, self.ko, self.fields = en, ko, tuple(sorted(names[0]))

    def fill(self, lang: str, fields: dict[str, object]) -> str:
        template = self.ko if lang == "ko" else self.en

        def one(match: re.Match[str]) -> str:
            value = fields[match["name"]]
            if isinstance(value, Message):
                text = value.render(lang)
            elif match["spec"] and not isinstance(value, str):
                text = format(value, match["spec"])
            else:
                text = str(value)
            return text + (particle(text, match["particle"]) if match["particle"] else "")

        return _FIELD.sub(one, template)

    def readings(self, text: str) -> list[dict[str, str]]:
        """Every way the English template gives ``text``: the fields' texts, one dict each
        (a field used twice reads the same text both times)."""
        return _readings(_tokens(self.en), text)


@functools.cache
def _tokens(english: str) -> tuple[tuple[str, str], ...]:
    """The template as ("text", fixed text) and ("field", name) pieces."""
    tokens, end = [], 0
    for m in _FIELD.finditer(english):
        if m.start() > end:
            tokens.append(("text", english[end : m.start()]))
        tokens.append(("field", m["name"]))
        end = m.end()
    if end < len(english):
        tokens.append(("text", english[end:]))
    return tuple(tokens)


_MAX_READINGS = 256


def _readings(tokens: tuple[tuple[str, str], ...], text: str) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []

    def walk(i: int, pos: int, fields: dict[str, str]) -> None:
        if len(found) >= _MAX_READINGS:
            return
        if i == len(tokens):
            if pos == len(text):
                found.append(dict(fields))
            return
        kind, value = tokens[i]
        if kind == "text":
            if text.startswith(value, pos):
                walk(i + 1, pos + len(value), fields)
            return
        if value in fields:  # the same field again
            if text.startswith(fields[value], pos):
                walk(i + 1, pos + len(fields[value]), fields)
            return
        nxt = tokens[i + 1][1] if i + 1 < len(tokens) and tokens[i + 1][0] == "text" else None
        if nxt is None and i + 1 == len(tokens):
            ends = [len(text)]
        elif nxt is None:
            ends = range(pos + 1, len(text) + 1)
        else:  # the field ends where the next fixed text starts: try each place it does
            ends, at = [], text.find(nxt, pos + 1)
            while at != -1:
                ends.append(at)
                at = text.find(nxt, at + 1)
        for end in ends:
            if end > pos:
                walk(i + 1, end, {**fields, value: text[pos:end]})

    walk(0, 0, {})
    return found


#: Every message's templates, by identifier (``"02.wrong_size"``; the notebook first).
CATALOGUE: dict[str, Template] = {}


def parse(text: str) -> Message | None:
    """The message whose English rendering is ``text`` (fields that are messages themselves
    read back in turn), or None when no template of the catalogue gives it.

    Used for checker verdicts stored as English text (a notebook's outputs), to show them in
    another language; a checker itself always reports a :class:`Message`. When several
    readings fit, the one that explains the most of the text by templates wins (fixed text
    of the message and of the messages in its fields).

    >>> define({"demo.wrong": ("wrong for {where} ({hint})", "{where}에서 틀렸다 ({hint})"),
    ...         "demo.plus1": ("count the + 1", "+ 1도 세어라")})
    >>> parse("wrong for W=9 (count the + 1)").render("ko")
    'W=9에서 틀렸다 (+ 1도 세어라)'
    """
    return _parse(text)[0]


@functools.lru_cache(maxsize=4096)
def _parse(text: str) -> tuple[Message | None, int, int]:
    """The best reading of ``text``: the message, how many of its characters templates
    explain (more is better) and how many messages it nests (fewer is better, on a tie;
    then the reading whose outer template has more fixed text)."""
    best: tuple[Message | None, int, int] = (None, 0, 0)
    best_score = (0, 0, 0)
    for key, template in CATALOGUE.items():
        for reading in template.readings(text):
            fields, explained, nodes = {}, len(text) - sum(map(len, reading.values())), 1
            for name, value in reading.items():
                inner, covered, count = _parse(value)
                fields[name] = inner if inner is not None else value
                explained, nodes = explained + covered, nodes + count
            # on a tie, the reading whose outer message has the most fixed text
            score = (explained, -nodes, len(text) - sum(map(len, reading.values())))
            if explained and score > best_score:
                message = Message.__new__(Message)
                message.key, message.fields = key, fields
                best, best_score = (message, explained, nodes), score
    return best


def define(entries: dict[str, tuple[str, str]]) -> None:
    """Add messages to :data:`CATALOGUE`: identifier → (English template, Korean template).

    An identifier may be defined once; its two templates must name the same fields.
    """
    for key, (en, ko) in entries.items():
        template = Template(key, en, ko)
        old = CATALOGUE.get(key)
        if old is not None and (old.en, old.ko) != (en, ko):
            raise ValueError(f"message {key!r} is defined twice, differently")
        CATALOGUE[key] = template
    _parse.cache_clear()  # readings made before these messages existed
