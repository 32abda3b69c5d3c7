"""Every threshold and weight the engine uses, in one place: what each does and how its value was chosen.

Values are chosen on ``eval/tune.jsonl`` only; ``eval/blind.jsonl`` measures them and is never tuned on. The four
that decide ``found`` are also gathered in ``Thresholds``, which ``Assistant(thresholds=…)`` takes, so that
``python -m eval.calibrate`` can trace the trade-off between false refusals and wrong answers.
"""
from dataclasses import dataclass

# --- retrieval (assistant.search) -------------------------------------------------------------
RRF_K = 60  # reciprocal-rank-fusion constant of Cormack et al. (2009): ranks beyond ~k add little
BM25_WEIGHT = 1.0  # BM25's share of the fused score: equal shares, the RRF default (not tuned)
DENSE_WEIGHT = 1.0  # the dense model's share of the fused score
LEXICAL_ENOUGH = 0.8  # in dense="auto" mode, the dense model is skipped when BM25's top passage covers this
#                       share of the question's concept weight: tune accuracy is flat from 0.5 to 0.9

# --- reading the question (assistant.query) ---------------------------------------------------
WEAK_TOPIC = 3.5  # total concept weight below which a part that asks something cannot name its own topic
#                   (≈ one specific term of the plan); also the least weight a compared figure's name must carry
STRONG_TOPIC = 7.0  # a part that points back ("那每年新建几家？") keeps its own topic only above this (≈ two
#                     specific terms): one rare word such as 新建 is not yet a topic
GENERAL_IDF_FULL = 8.0  # a word's weight is its idf in the plan, scaled down when jieba's general-Chinese idf is
#                        below this (所有 4.8 → ×0.6, 要求 4.6 → ×0.58; 党员 7.8, 母婴室 and names keep ~all)
WEIGHT_SINGLE_CHAR = 0.2  # concept weight of a single character or a bare number: says little alone
WEIGHT_UNKNOWN_WORD = 0.5  # a word the plan never uses (colloquial, or a topic the plan lacks)

PARTIAL_CREDIT = 0.5  # a compound of 4+ characters the text states only in parts earns at most half its weight

# --- judging evidence (assistant.evidence, assistant.findings) ------------------------------------
COVERAGE_FOUND = 0.5  # share of the question's concept weight the cited text must state to count as found
RERANK_POOL = 5  # fused candidates that concept coverage re-ranks
MEASURE_SHARE = 0.5  # an annex row also scores half of the score of the measure it implements
TARGET_METRIC_WEIGHT = 2.0  # a target's own metric words count twice its surrounding sentence
TARGET_NUMBER_BONUS = 0.5  # "how many" prefers a target with digits over a milestone such as 全部完成
TARGET_YEAR_BONUS = 0.5  # a question naming a year prefers that year's figure (as much as a number is preferred)
METRIC_NAMED = 0.5  # a figure answers only if the question names at least this share (by word weight) of what it
#                     measures: 岗位津贴 is not named by "最低工资标准每月多少钱"
TARGET_UNIT_BONUS = 0.5  # a question asking for a unit (多久 → 个月, 多少钱 → 元) prefers figures in it
TIE_MARGIN = 0.1  # two figures of one sentence whose names state the question within this much of each other are
#                   both given (劳模创新工作室: 宁波市 20 家 and 市级 50 家), not one picked by a stray character
BORROWED_WEIGHT = 0.5  # a follow-up's borrowed words count half: its own words say what it asks now
DENSE_SUPPORT = 0.91  # the dense model's cosine similarity at which the passage it finds closest in meaning
#                       supports a quote whose words differ from the question's (with COVERAGE_WITH_DENSE of its
#                       concepts stated); never a unit's name or a figure. Chosen from the trade-off curve in
#                       eval/calibration.md (tune only, 449 questions): false refusals are lowest from 0.87 to 0.91
#                       and 0.86 answers one question the plan is silent on, so the most cautious of the plateau
COVERAGE_WITH_DENSE of its concepts stated). Chosen from
#                       the trade-off curve in eval/calibration.md (tune only): the highest value at which false
#                       refusals bottom out; nothing the plan is silent on was answered anywhere from 0.86 to 1.01
COVERAGE_WITH_DENSE = 0.25  # the share of concepts such a passage must still state
DENSE_OFF_TOPIC = 0.80  # below this best dense similarity, a question with no word of the plan is off-topic


@dataclass(frozen=True)
class Thresholds:
    """The knobs that decide whether the plan answers (``assistant.findings``)."""

    coverage_found: float = COVERAGE_FOUND
    dense_support: float = DENSE_SUPPORT
    coverage_with_dense: float = COVERAGE_WITH_DENSE
    dense_off_topic: float = DENSE_OFF_TOPIC
