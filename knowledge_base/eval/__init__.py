"""Evaluation of the knowledge base: the labelled resident questions (`dev.yaml` = tuning split,
`test.yaml` = held-out split), metrics, threshold/re-ranker tuning and the 10,000-chunk scale run.
Used by `shuiwu kb eval` and `shuiwu kb tune`."""
