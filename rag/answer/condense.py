"""Follow-ups with a language model: rewrite "And France?" into a standalone question (the condense-question pattern).

The model's rewrite is used only if it keeps every name of the follow-up and most words of the
earlier question; otherwise the rule-based rewrite (``followup.rewrite_followup``) stands.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from rag.answer.followup import is_followup, rewrite_followup
from rag.lang.text import fold, words
from rag.lang.tokens import STOPWORDS
from rag.models.chat import ChatModel

_PROMPT = (
    "Rewrite the follow-up question as one standalone question in the language of the follow-up, using the "
    "earlier question for everything the follow-up leaves out. Reply with the question only.\n\n"
    "Earlier question: {previous}\nFollow-up: {followup}\nStandalone question:"
)
MAX_TOKENS = 48
log = logging.getLogger(__name__)


def _content(text: str) -> set[str]:
    return {fold(w) for w in words(text) if fold(w) not in STOPWORDS and not w.isdigit()}


def acceptable(rewrite: str, followup: str, previous: str) -> bool:
    """A rewrite keeps the follow-up's names and at least half of the earlier question's content words."""
    if not rewrite or len(rewrite) > 3 * max(len(previous), 40):
        return False
    names = [w for w in words(followup) if w[:1].isupper()][1:] or [w for w in words(followup) if w[:1].isupper()]
    if any(fold(n) not in {fold(w) for w in words(rewrite)} for n in names if fold(n) not in STOPWORDS):
        return False
    before = _content(previous) - _content(followup)
    return not before or len(before & _content(rewrite)) >= len(before) / 2


def condense(question: str, history: Sequence[str], chat: ChatModel | None, names: Any = None) -> str:
    """The standalone form of a follow-up: the model's rewrite when it passes ``acceptable``, else the rule's
    (which reads the corpus's ``names``, a ``NameInventory``, when given)."""
    ruled = rewrite_followup(question, list(history), names=names)
    previous = next((" ".join(h.split()) for h in reversed(history) if h.strip() and not is_followup(h)), None)
    if chat is None or previous is None or not is_followup(question):
        return ruled
    try:
        reply = "".join(chat.stream([{"role": "user", "content": _PROMPT.format(previous=previous, followup=question)}],
                                    max_tokens=MAX_TOKENS))
    except Exception:  # noqa: BLE001 - any failure of the model leaves the rule's rewrite, logged once
        log.warning("the language model could not rewrite the follow-up %r; using the rule's rewrite", question[:200],
                    exc_info=True)
        return ruled
    rewrite = " ".join(re.sub(r"^(standalone question|question)\s*:\s*", "", reply.strip(), flags=re.I).split())
    rewrite = rewrite.strip("\"'„“”")
    return rewrite if acceptable(rewrite, question, previous) else ruled
