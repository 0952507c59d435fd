# test/: unit tests (one binary per module) and integration tests driving the real binaries.
