"""Language knowledge every stage shares: sentences and words, lexical tokens, country names, German nouns."""
