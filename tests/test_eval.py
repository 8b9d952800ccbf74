"""The matcher on the labelled evaluation sets (eval/README.md): accuracy regression guard."""

from eval.evaluate import evaluate

# The first set's targets (measured: precision 0.993, recall 0.979).
MIN_PRECISION = 0.98
MIN_RECALL = 0.95
# The grown set (with eval/label_additions.tsv): the targets of the matching rework
# (measured: precision 0.991, recall 0.977).
GROWN_MIN_PRECISION = 0.99
GROWN_MIN_RECALL = 0.97


def test_eval_set_is_large_and_has_hard_cases():
    scores = evaluate()
    assert scores.notices >= 300
    assert scores.hard_join_pairs >= 30
    assert scores.hard_split_pairs >= 100


def test_pairwise_precision_and_recall():
    scores = evaluate()
    assert scores.precision >= MIN_PRECISION, scores.false_joins
    assert scores.recall >= MIN_RECALL, scores.missed_joins


def test_grown_set_precision_and_recall():
    scores = evaluate(grown=True)
    assert scores.notices >= 680
    assert scores.hard_join_pairs >= 100
    assert scores.precision >= GROWN_MIN_PRECISION, scores.false_joins
    assert scores.recall >= GROWN_MIN_RECALL, scores.missed_joins


def test_no_predicted_incident_mixes_labelled_organisations():
    # Independent of the matcher's evidence: the labels say which organisation each notice is
    # from; an incident with notices of two organisations joined strangers.
    for grown in (False, True):
        scores = evaluate(grown=grown)
        assert scores.mixed_entities == [], scores.mixed_entities
