"""Every threshold and weight the engine uses, in one place: what each does and how its value was chosen.

Values are chosen on ``eval/tune.jsonl`` only; ``eval/blind.jsonl`` measures them and is never tuned on.
"""

# --- retrieval (assistant.search) -------------------------------------------------------------
RRF_K = 60  # reciprocal-rank-fusion constant of Cormack et al. (2009): ranks beyond ~k add little
BM25_WEIGHT = 1.0  # BM25's share of the fused score: equal shares, the RRF default (not tuned)
DENSE_WEIGHT = 1.0  # the dense model's share of the fused score
LEXICAL_ENOUGH = 0.8  # in dense="auto" mode, the dense model is skipped when BM25's top passage covers this
#                       share of the question's concept weight: tune accuracy is flat from 0.5 to 0.9

# --- reading the question (assistant.query) ---------------------------------------------------
WEAK_TOPIC = 3.5  # total concept weight below which a question cannot stand on its own (≈ one specific
#                   term): it then borrows the previous turn's topic
SHORT_FOLLOW_UP_CHARS = 20  # a Chinese question this short that points back ("那…呢") may be a follow-up
SHORT_FOLLOW_UP_WORDS = 12  # the same for English
WEIGHT_SINGLE_CHAR = 0.2  # concept weight of a single character or a bare number: says little alone
WEIGHT_UNKNOWN_WORD = 0.5  # a word the plan never uses (colloquial, or a topic the plan lacks)

# --- judging evidence (assistant.evidence) ----------------------------------------------------
COVERAGE_FOUND = 0.5  # share of the question's concept weight the cited text must state to count as found
RERANK_POOL = 5  # fused candidates that concept coverage re-ranks
MEASURE_SHARE = 0.5  # an annex row also scores half of the score of the measure it implements
TARGET_METRIC_WEIGHT = 2.0  # a target's own metric words count twice its surrounding sentence
TARGET_NUMBER_BONUS = 0.5  # "how many" prefers a target with digits over a milestone such as 全部完成
