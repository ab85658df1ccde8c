"""Reading text fields, and showing stored text safely.

Two kinds of text come in:

* codes (ids of members and bagan, refs): printable, no whitespace, separator,
  control or format character (zero-width, bidi) anywhere, NFC-normalised, at most
  ``CODE_LIMIT`` characters — so ``S1`` and ``S1`` + a zero-width space can never be
  two receipts that look the same;
* words (names, purposes, reasons, titles, buyers; stories are longer): NFC, no
  control or bidi character (a story may hold line breaks), at most ``WORDS_LIMIT``
  characters (``STORY_LIMIT`` for a story's text).

``display()`` is for every renderer: whatever a ledger holds (older ledgers
included), a terminal never receives a raw control or bidi character from it.
"""

from __future__ import annotations

import unicodedata

from ledger.errors import InvalidInput

CODE_LIMIT = 120
WORDS_LIMIT = 200
STORY_LIMIT = 5000

# the fields that are codes; every other text field is words
CODE_FIELDS = frozenset({"ref", "id", "member", "bagan", "reverses", "partners"})
STORY_FIELDS = frozenset({"text"})

# explicit direction marks, embeddings, overrides and isolates
BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# invisible characters that make two equal-looking words differ
ZERO_WIDTH = frozenset("\u200b\u2060\ufeff\u180e")


# what a spreadsheet cell or a shell may leave around a value; anything else is kept
# (and refused when it is invisible)
_EDGES = " \t\r\n\u00a0"
_KINDS = {"Cc": "control", "Cf": "format", "Cs": "surrogate", "Co": "private use"}


def _shown(value: str) -> str:
    """The text as a refusal may quote it: short, every odd character escaped."""
    return repr(value[:30] + ("…" if len(value) > 30 else ""))


def _must_be_text(value: object, field: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and field in CODE_FIELDS:
        return str(value)  # a JSON number used as an id has one reading
    if not isinstance(value, str):
        raise InvalidInput(field, "{field} must be text, not {kind}.", kind=type(value).__name__)
    return value


def _bad_character(ch: str, field: str, value: str) -> InvalidInput:
    return InvalidInput(
        field,
        "{field} {value} holds the invisible or control character U+{code:04X} ({name}); retype it without.",
        value=_shown(value),
        code=ord(ch),
        name=unicodedata.name(ch, "").lower() or _KINDS.get(unicodedata.category(ch), "unassigned"),
    )


def _too_long(field: str, length: int, limit: int) -> InvalidInput:
    return InvalidInput(
        field,
        "{field} is {length} characters long; at most {limit} are allowed.",
        length=length,
        limit=limit,
    )


def read_code(value: object, field: str, limit: int = CODE_LIMIT) -> str:
    """An id or ref: printable, nothing invisible, no whitespace inside, NFC."""
    text = _must_be_text(value, field)
    if text.isascii() and text.isprintable() and " " not in text and 0 < len(text) <= limit:
        return text  # plain ASCII without spaces: nothing to strip, normalise or refuse
    if len(text) > 4 * limit:  # before normalising megabytes
        raise _too_long(field, len(text), limit)
    text = unicodedata.normalize("NFC", text.strip(_EDGES))
    if not text:
        raise InvalidInput(field, "{field} must not be empty.")
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Zs":
            raise InvalidInput(
                field, "{field} {value} must be one word, without spaces.", value=_shown(text)
            )
        if category[0] in "CZ":
            raise _bad_character(ch, field, text)
    if len(text) > limit:
        raise _too_long(field, len(text), limit)
    return text


def read_words(value: object, field: str, limit: int = WORDS_LIMIT, *, lines: bool = False) -> str:
    """A name, purpose, reason or story: NFC, no control or bidi character, bounded."""
    text = _must_be_text(value, field)
    if text.isascii() and text.isprintable():  # no control, bidi or invisible character
        plain = text.strip(" ")  # the only edge character printable ASCII has
        if 0 < len(plain) <= limit:
            return plain
    if len(text) > 4 * limit:
        raise _too_long(field, len(text), limit)
    text = unicodedata.normalize("NFC", text.strip(_EDGES))
    if not text:
        raise InvalidInput(field, "{field} must not be empty.")
    for ch in text:
        if lines and ch == "\n":
            continue
        category = unicodedata.category(ch)
        if category in ("Cc", "Cs", "Zl", "Zp") or ch in BIDI or ch in ZERO_WIDTH:
            raise _bad_character(ch, field, text)
    if len(text) > limit:
        raise _too_long(field, len(text), limit)
    return text


def read_field(value: object, field: str) -> str:
    """A text field by its kind: a code, a story's text, or words."""
    if field in CODE_FIELDS:
        return read_code(value, field)
    if field in STORY_FIELDS:
        return read_words(value, field, STORY_LIMIT, lines=True)
    return read_words(value, field)


def display(value: object, *, lines: bool = False) -> str:
    """Stored text made safe for a terminal: control, bidi and invisible characters
    are shown as ``\\u202e``-style escapes instead of acting on the screen."""
    text = str(value)
    if text.isprintable() and not any(ch in BIDI for ch in text):
        return text
    out = []
    for ch in text:
        if (lines and ch == "\n") or (ch.isprintable() and ch not in BIDI):
            out.append(ch)
        else:
            out.append(f"\\u{ord(ch):04x}" if ord(ch) > 0xFF else f"\\x{ord(ch):02x}")
    return "".join(out)


def shown(value: object, *, lines: bool = False) -> str:
    """``display()`` for a rich renderer: brackets in stored text are not markup."""
    from rich.markup import escape

    return escape(display(value, lines=lines))
