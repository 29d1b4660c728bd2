"""Commented YAML for the drafts of ``csm init``: :class:`Note` values become YAML comments.

:func:`to_yaml` writes a document (dicts, lists, scalars; any value may be wrapped in a
:class:`Note` carrying a trailing comment and comment lines before it) as block YAML with every
string quoted when a YAML reader could misread it, and checks that ``yaml.safe_load`` reads the
text back as the plain document. Comment text is untrusted (it comes from the export's names and
labels): characters YAML refuses or reads as line breaks are replaced by spaces.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

import numpy as np
import yaml

__all__ = ["Note", "to_yaml", "number_text"]


@dataclass
class Note:
    """A value written with a trailing comment and/or comment lines before it."""

    value: object
    comment: str | None = None
    before: tuple[str, ...] = ()


_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
# characters YAML refuses even inside quotes, and those it reads as line breaks (NEL, LS, PS)
_NON_PRINTABLE = re.compile(yaml.reader.Reader.NON_PRINTABLE.pattern + "|[\x85\u2028\u2029]")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "none", "~"}


def _key(key) -> str:
    if isinstance(key, bool) or key is None:
        raise TypeError(f"unsupported YAML key {key!r}")
    if isinstance(key, (int, float)):
        return number_text(key)
    return _string(str(key))


def number_text(x) -> str:
    """A number as the drafts write it: ``3`` for 3.0, else Python's shortest repr; NaN/inf refused.

    Examples
    --------
    >>> from csmlib.survey.draft_yaml import number_text
    >>> number_text(5.0), number_text(0.25), number_text(-9)
    ('5', '0.25', '-9')
    """
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"cannot write {x} to YAML")
    return str(int(x)) if x.is_integer() else repr(x)


def _string(text: str) -> str:
    """A string as a YAML scalar: plain when it cannot be misread, else double-quoted (JSON escapes)."""
    if _PLAIN.match(text) and text.lower() not in _YAML_WORDS and not re.fullmatch(r"[0-9._-]+|[-+]?\.?(inf|nan)", text.lower()):
        return text
    quoted = json.dumps(text, ensure_ascii=False)
    return _NON_PRINTABLE.sub(
        lambda m: "".join(f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}" for ch in m.group()), quoted
    )


def _scalar(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return number_text(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)}: {_scalar(v)}" for k, v in value.items()) + "}"
    return _string(str(value))


def _comment_text(text) -> str:
    return " ".join(_NON_PRINTABLE.sub(" ", str(text)).split())


def _comment(text: str | None) -> str:
    return "" if not text else "  # " + _comment_text(text)


def _is_block(value) -> bool:
    return (isinstance(value, dict) and bool(value)) or (
        isinstance(value, list) and any(isinstance(v, (dict, Note)) for v in value)
    )


def _emit(value, indent: int, out: list[str]) -> None:
    pad = " " * indent
    if isinstance(value, dict):
        for key, raw in value.items():
            note = raw if isinstance(raw, Note) else Note(raw)
            out.extend(f"{pad}# {_comment_text(line)}" for line in note.before)
            if _is_block(note.value):
                out.append(f"{pad}{_key(key)}:{_comment(note.comment)}")
                _emit(note.value, indent + 2, out)
            else:
                out.append(f"{pad}{_key(key)}: {_scalar(note.value)}{_comment(note.comment)}")
    elif isinstance(value, list):
        for raw in value:
            note = raw if isinstance(raw, Note) else Note(raw)
            out.extend(f"{pad}# {_comment_text(line)}" for line in note.before)
            if isinstance(note.value, dict) and note.value:
                inner: list[str] = []
                _emit(note.value, indent + 2, inner)
                first = next(i for i, line in enumerate(inner) if not line.lstrip().startswith("#"))
                out.extend(inner[:first])
                out.append(f"{pad}- {inner[first][indent + 2 :]}{_comment(note.comment)}")
                out.extend(inner[first + 1 :])
            else:
                out.append(f"{pad}- {_scalar(note.value)}{_comment(note.comment)}")
    else:
        raise TypeError(f"cannot emit {type(value).__name__} as a block")


def _plain(value):
    """The value with every Note unwrapped (what reading the YAML back must give)."""
    if isinstance(value, Note):
        return _plain(value.value)
    if isinstance(value, dict):
        return {(float(k) if isinstance(k, (int, float)) else k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    return value


def _normalise_loaded(value):
    if isinstance(value, dict):
        return {
            (float(k) if isinstance(k, (int, float)) and not isinstance(k, bool) else k): _normalise_loaded(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_normalise_loaded(v) for v in value]
    return value


def to_yaml(document: dict, header: list[str] = ()) -> str:
    """The YAML text of ``document`` (Notes become comments), checked by reading it back.

    ``header`` lines become comment lines at the top. Raises ``RuntimeError`` if the text does not
    read back as the plain document (a quoting bug, never the user's data).

    Examples
    --------
    >>> from csmlib.survey.draft_yaml import Note, to_yaml
    >>> doc = {"scale": Note({"min": 1, "max": 5}, "from the answers seen"), "label": "yes"}
    >>> print(to_yaml(doc, ["drafted"]), end="")
    # drafted
    scale:  # from the answers seen
      min: 1
      max: 5
    label: "yes"
    """
    out = [f"# {_comment_text(line)}" for line in header]
    _emit(document, 0, out)
    text = "\n".join(out) + "\n"
    back = yaml.safe_load(text)
    if _normalise_loaded(back) != _normalise_loaded(_plain(document)):
        raise RuntimeError("draft YAML does not read back as written (a quoting bug in csmlib.survey.draft_yaml)")
    return text
