# Admin for waves, closing, screening and selection: see issue #3.
