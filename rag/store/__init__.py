"""Where an index lives: the ``Store`` protocol (records, vector search, lexical search) and its backends."""
