"""casebot: answers questions about one case by quoting its sources, with citations."""

import os

# A question is answered with small matrix products, one question at a time. NumPy's BLAS
# threads spin beside ONNX Runtime's on a small machine: measured at 10k passages, they made
# the question encoder twice as slow (4.4 -> 9.4 ms) and the search itself slower (1.9 -> 4.1
# ms). One BLAS thread, set before NumPy loads; a value the user sets wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
