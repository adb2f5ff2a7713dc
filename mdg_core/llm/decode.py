"""Fast grammar-constrained sampling on top of llama.cpp's grammar sampler.

llama-cpp-python applies the grammar to all ~49k vocabulary entries before every sampled token; on
a small model that costs more than the forward pass itself (about 35 vs 120 tokens/s here). This
decoder does what llama.cpp's own ``common_sampler`` does: sample a token from the model's
distribution first, check just that one token against the grammar, and only when it is rejected
apply the grammar to the whole vocabulary and sample again from the allowed tokens. The result is
distributed exactly as grammar-constrained sampling (rejection, then a draw from the constrained
distribution), and with a seeded NumPy generator it is reproducible.
"""

from __future__ import annotations

import ctypes
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from mdg_core.errors import MockGenerationError


class GrammarDecoder:
    """Samples continuations of a prompt under a GBNF grammar with one shared, primed prompt."""

    def __init__(self, llm: Any, grammar_text: str) -> None:
        import llama_cpp

        self._lc = llama_cpp
        self.llm = llm
        self.grammar = grammar_text.encode("utf-8")
        self.n_vocab = int(llm.n_vocab())
        self.eos = {int(llm.token_eos())}
        self._full = (llama_cpp.llama_token_data * self.n_vocab)()
        self._full_np = np.ctypeslib.as_array(self._full)
        self._one = (llama_cpp.llama_token_data * 1)()
        self.stats = {"rejected": 0, "full": 0, "forced": 0}
        probe = self._new_sampler()
        llama_cpp.llama_sampler_free(probe)

    def _new_sampler(self) -> Any:
        smpl = self._lc.llama_sampler_init_grammar(self.llm._model.vocab, self.grammar, b"root")
        if not smpl:
            raise MockGenerationError("llama.cpp rejected the output grammar built for these examples.")
        return smpl

    def _logits(self) -> np.ndarray:
        ptr = self._lc.llama_get_logits_ith(self.llm._ctx.ctx, -1)
        return np.ctypeslib.as_array(ptr, shape=(self.n_vocab,)).astype(np.float64)

    @staticmethod
    def _draw(logits: np.ndarray, ids: np.ndarray, temperature: float, top_k: int, top_p: float,
              rng: np.random.Generator) -> int:
        if temperature <= 0:
            return int(ids[int(np.argmax(logits))])
        if top_k and len(logits) > top_k:
            part = np.argpartition(-logits, top_k - 1)[:top_k]
            logits, ids = logits[part], ids[part]
        order = np.argsort(-logits, kind="stable")
        logits, ids = logits[order] / temperature, ids[order]
        probs = np.exp(logits - logits[0])
        probs /= probs.sum()
        if top_p < 1.0:
            keep = int(np.searchsorted(np.cumsum(probs), top_p) + 1)
            probs, ids = probs[:keep], ids[:keep]
            probs /= probs.sum()
        return int(ids[int(np.searchsorted(np.cumsum(probs), rng.random() * probs.sum()).clip(0, len(ids) - 1))])

    def _allowed(self, smpl: Any, token: int) -> bool:
        self._one[0].id, self._one[0].logit, self._one[0].p = ctypes.c_int32(token), 0.0, 0.0
        arr = self._lc.llama_token_data_array(self._one, 1, -1, False)
        self._lc.llama_sampler_apply(smpl, ctypes.byref(arr))
        return bool(math.isfinite(self._one[0].logit))

    def _constrained_top(self, smpl: Any, logits: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The grammar applied to the model's top ``k`` tokens only (cheap; usually enough)."""
        k = max(1, min(k or 40, self.n_vocab))
        top = np.argpartition(-logits, k - 1)[:k]
        buf = (self._lc.llama_token_data * k)()
        view = np.ctypeslib.as_array(buf)
        view["id"] = top.astype(np.int32)
        view["logit"] = logits[top].astype(np.float32)
        view["p"] = 0.0
        arr = self._lc.llama_token_data_array(buf, k, -1, False)
        self._lc.llama_sampler_apply(smpl, ctypes.byref(arr))
        ok = np.isfinite(view["logit"])
        return logits[top][ok], top[ok].astype(np.int64)

    def _constrained(self, smpl: Any, logits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        self._full_np["id"] = np.arange(self.n_vocab, dtype=np.int32)
        self._full_np["logit"] = logits.astype(np.float32)
        self._full_np["p"] = 0.0
        arr = self._lc.llama_token_data_array(self._full, self.n_vocab, -1, False)
        self._lc.llama_sampler_apply(smpl, ctypes.byref(arr))
        ok = np.isfinite(self._full_np["logit"])
        return logits[ok], self._full_np["id"][ok].astype(np.int64)

    def prime(self, prompt_tokens: list[int]) -> None:
        """Evaluate all but the last prompt token once; every sample() starts from this state."""
        self.llm.reset()
        self.llm.eval(prompt_tokens[:-1])
        self._primed = len(prompt_tokens) - 1
        self._last = prompt_tokens[-1]

    def sample(self, seed: int, temperature: float, max_tokens: int, done: Callable[[str], bool],
               top_k: int = 40, top_p: float = 0.95,
               forced: Callable[[str], str] | None = None) -> tuple[str, int]:
        """Text sampled under the grammar until ``done(text)`` or the grammar ends; and its token count.

        ``forced(text)`` may name text every valid continuation starts with; its tokens are checked
        against the grammar and evaluated in the same forward pass as the sampled token.
        """
        llm = self.llm
        llm.n_tokens = self._primed  # llm.eval drops the KV cache after this position
        llm.eval([self._last])
        rng = np.random.default_rng(seed)
        smpl = self._new_sampler()
        pieces: list[bytes] = []
        n = 0
        all_ids = np.arange(self.n_vocab, dtype=np.int64)
        try:
            while n < max_tokens:
                logits = self._logits()
                token = self._draw(logits, all_ids, temperature, top_k, top_p, rng)
                if not self._allowed(smpl, token):
                    allowed_logits, allowed_ids = self._constrained_top(smpl, logits, top_k)
                    self.stats["rejected"] += 1
                    if len(allowed_ids) == 0:
                        allowed_logits, allowed_ids = self._constrained(smpl, logits)
                        self.stats["full"] += 1
                    if len(allowed_ids) == 0:
                        break
                    token = self._draw(allowed_logits, allowed_ids, temperature, top_k, top_p, rng)
                if token in self.eos:
                    break
                self._lc.llama_sampler_accept(smpl, token)
                pieces.append(llm.detokenize([token]))
                n += 1
                text = b"".join(pieces).decode("utf-8", "ignore")
                if done(text):
                    break
                feed = [token]
                suffix = forced(text) if forced is not None else ""
                if suffix:
                    for extra in llm.tokenize(suffix.encode("utf-8"), add_bos=False, special=False):
                        if not self._allowed(smpl, extra):
                            break
                        self._lc.llama_sampler_accept(smpl, extra)
                        pieces.append(llm.detokenize([extra]))
                        feed.append(extra)
                        n += 1
                        self.stats["forced"] += 1
                    if len(feed) > 1 and done(b"".join(pieces).decode("utf-8", "ignore")):
                        break
                llm.eval(feed)
        finally:
            self._lc.llama_sampler_free(smpl)
        return b"".join(pieces).decode("utf-8", "replace"), n
