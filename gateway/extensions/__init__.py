"""Gateway features, one module each: create(runtime, options) -> object with start()/stop(), or None."""
