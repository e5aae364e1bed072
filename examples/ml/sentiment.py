#!/usr/bin/env python3
"""A tiny sentiment "model" over Weft's exec protocol (NDJSON on stdin/stdout); Python 3 standard library only.

It scores text the way a naive-Bayes classifier does: each known word adds its log-likelihood ratio
log(P(word | positive) / P(word | negative)) to the prior log-odds, a "not"/"never"/"no" flips the next word,
and the sum goes through the logistic function. The weights are a handful of hard-coded numbers standing in
for a trained model: swap WEIGHTS for a real one (or load a file at start) and nothing else changes.

Input:  {"id": ..., "value": "text"} or {"id": ..., "value": {"text": "text", ...}}
Answer: {"id": ..., "value": {"label": "positive" | "negative" | "neutral", "score": P(positive), "words": n}}
        or {"id": ..., "error": "..."} when there is no text.
Run it by hand:  echo '{"id": "a", "value": "great service, not bad at all"}' | python3 examples/ml/sentiment.py
"""

import json
import math
import re
import sys

PRIOR_LOG_ODDS = 0.0
WEIGHTS = {
    "good": 1.2, "great": 1.8, "excellent": 2.2, "love": 1.9, "loved": 1.9, "nice": 1.0, "happy": 1.4,
    "fast": 0.8, "perfect": 2.0, "thanks": 0.9, "recommend": 1.3, "works": 0.7,
    "bad": -1.4, "terrible": -2.2, "awful": -2.1, "hate": -1.9, "slow": -0.9, "broken": -1.7,
    "poor": -1.3, "worst": -2.4, "refund": -1.1, "angry": -1.6, "bug": -0.8,
}
NEGATIONS = {"not", "no", "never", "don't", "doesn't", "isn't", "wasn't", "can't", "won't"}
NEUTRAL_BAND = 0.15  # |score - 0.5| below this is "neutral"
WORD = re.compile(r"[a-z']+")


def score(text):
    """P(positive) for text, and how many known words it had."""
    log_odds = PRIOR_LOG_ODDS
    known = 0
    flip = False
    for word in WORD.findall(text.lower()):
        if word in NEGATIONS:
            flip = True
            continue
        weight = WEIGHTS.get(word)
        if weight is not None and weight != 0.0:
            log_odds += -weight if flip else weight
            known += 1
        flip = False
    return 1.0 / (1.0 + math.exp(-log_odds)), known


def answer(request):
    value = request.get("value")
    text = value.get("text") if isinstance(value, dict) else value
    if not isinstance(text, str):
        return {"id": request["id"], "error": f"sentiment needs text (a string, or an object with \"text\"), got {json.dumps(value)[:60]}"}
    p, known = score(text)
    label = "neutral" if abs(p - 0.5) < NEUTRAL_BAND else ("positive" if p > 0.5 else "negative")
    return {"id": request["id"], "value": {"label": label, "score": round(p, 4), "words": known}}


def main():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            request = json.loads(line)
        except ValueError:
            print(f"sentiment.py: skipped a line that is not JSON: {line[:80]}", file=sys.stderr, flush=True)
            continue
        if not isinstance(request, dict) or not isinstance(request.get("id"), str):
            print("sentiment.py: skipped a line without a string id", file=sys.stderr, flush=True)
            continue
        sys.stdout.write(json.dumps(answer(request)) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    try:
        main()
    except (KeyboardInterrupt, BrokenPipeError):
        pass
