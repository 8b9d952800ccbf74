"""The matcher on the labelled evaluation set (eval/README.md): accuracy regression guard."""

from eval.evaluate import evaluate

# The targets, asserted as set (measured: precision 0.993, recall 0.959).
MIN_PRECISION = 0.98
MIN_RECALL = 0.95


def test_eval_set_is_large_and_has_hard_cases():
    scores = evaluate()
    assert scores.notices >= 300
    assert scores.hard_join_pairs >= 30
    assert scores.hard_split_pairs >= 100


def test_pairwise_precision_and_recall():
    scores = evaluate()
    assert scores.precision >= MIN_PRECISION, scores.false_joins
    assert scores.recall >= MIN_RECALL, scores.missed_joins
