"""Answer: score the retrieved sentences, decide whether the articles answer at all, then compose a cited answer."""
