"""Sources -> corpus files: saved web pages and URLs (article extraction by trafilatura), PDFs
(pypdf, text per page), and text files; copies of articles already in the corpus found by
their shingles. ``python -m bot.add`` is the command."""
