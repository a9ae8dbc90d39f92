"""One module per chapter: the chapter's task code, the recipes its benchmarks share and its exercise checks."""
