"""The hoax desk (issue 14): residents report suspicious messages on any channel, near-identical
reports join one case, one verifier proposes a verdict and another confirms it, and everyone who
reported hears the verdict on the channel they reported from.

- :mod:`.cluster` — text normalisation, lookup keys (exact, media, MinHash bands) and the
  similarity rule that decides whether a report joins a case;
- :mod:`.intake` — :func:`~.intake.file_report`, the one entry for every channel and the web form;
- :mod:`.verdicts` — propose, confirm (two people, pinned hash, reporters answered), reject,
  clarify (an announcement draft), the retention purge.
"""
