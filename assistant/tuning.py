"""Every threshold and weight the engine uses, in one place: what each does and how its value was chosen.

Values are chosen on ``eval/tune.jsonl`` only; ``eval/blind.jsonl`` measures them and is never tuned on. "Set by
hand" means the value was picked to make the mechanism work on the example in its comment and was not swept; "swept"
names the values tried. The four that decide ``found`` are also gathered in ``Thresholds``, which
``Assistant.use_thresholds`` takes, so that ``python -m eval.calibrate`` can trace the trade-off between false
refusals and wrong answers.
"""
from dataclasses import dataclass

# --- retrieval (assistant.search) -------------------------------------------------------------------------------
RRF_K = 60  # reciprocal-rank-fusion constant of Cormack et al. (2009): ranks beyond ~k add little (not tuned)
BM25_WEIGHT = 1.0  # BM25's share of the fused score: equal shares, the RRF default (not tuned)
DENSE_WEIGHT = 1.0  # the dense model's share of the fused score (not tuned)
LEXICAL_ENOUGH = 0.8  # the dense model is skipped when BM25's top passage covers this share of the question's
#                       concept weight; swept 0.5–0.9 on the first release's questions: accuracy flat, r@1 drops at 0

# --- reading a question (assistant.reading, assistant.query) ----------------------------------------------------
GENERAL_IDF_FULL = 8.0  # a word weighs its idf in the plan, scaled down when jieba's general-Chinese idf is below
#                         this (所有 4.8 → ×0.6, 要求 4.6 → ×0.58; 党员 7.8, 母婴室 and names keep ~all); swept 8 and
#                         10 on tune: the same accuracy
WEIGHT_SINGLE_CHAR = 0.2  # a single character or a bare number says little alone (set by hand)
WEIGHT_UNKNOWN_WORD = 0.5  # a word the plan never uses (colloquial, or a topic the plan lacks); swept 0.5, 1.0, 1.5
#                            on tune: 0.5 best (higher values refuse colloquial questions)
PARTIAL_CREDIT = 0.5  # a compound of 4+ characters a text states only in parts earns at most half its weight
#                       (公共实训中心 in 区域性公共实训基地; set by hand)
WEAK_TOPIC = 3.5  # a part asking something with less concept weight than this cannot name its own topic
#                   (≈ one specific term); also the least weight a compared figure's name must carry (set by hand)
STRONG_TOPIC = 7.0  # a part that points back ("那每年新建几家？") keeps its own topic only above this (≈ two specific
#                     terms): one rare word such as 新建 is not yet a topic (set by hand)
FUZZY_MIN_LEN = 3  # a typo read by fuzzy pinyin (母音室 → 母婴室) has 3+ characters: two-character windows with a
#                   fuzzy sound match too many plan words (set by hand; no tune question changed at 3)
BORROWED_WEIGHT = 0.5  # a follow-up's borrowed words count half: its own words say what it asks now (set by hand)

# --- choosing evidence (assistant.evidence, assistant.findings) -------------------------------------------------
RERANK_POOL = 5  # fused candidates that concept coverage re-ranks (from the first release)
MEASURE_SHARE = 0.5  # an annex row also scores half of the score of the measure it implements (first release)
IMPLEMENTING_ROW_COVERAGE = 0.25  # the annex row implementing a measure the part before quoted must still state this
#                                   much of the question: 出国学习交流 is in a16.1 (0.48); 子女入学 is in 措施24 but in
#                                   none of its annex rows (a22.2, 医共体: 0.0), so "谁牵头" there is "not listed"
TARGET_METRIC_WEIGHT = 2.0  # a figure's own metric words count twice its surrounding sentence (first release)
TARGET_NUMBER_BONUS = 0.5  # "how many" prefers a figure with digits over a milestone such as 全部完成 (first release)
TARGET_YEAR_BONUS = 0.5  # a question naming a year prefers that year's figure; as much as the number bonus
TARGET_UNIT_BONUS = 0.5  # a question asking for a unit (多久 → 个月, 多少钱 → 元) prefers figures in it; the same
TIE_MARGIN = 0.1  # two figures of one sentence whose names state the question within this much of each other are
#                   both given (劳模创新工作室: 宁波市 20 家 and 市级 50 家), not one picked by a stray character

# --- deciding found (assistant.judging) --------------------------------------------------------------------------
COVERAGE_FOUND = 0.5  # share of the question's concept weight the cited text must state (first release)
METRIC_NAMED = 0.5  # a figure answers only if the question names at least this share (by word weight) of what it
#                     measures: 岗位津贴 is not named by "最低工资标准每月多少钱" (set by hand)
DENSE_SUPPORT = 0.88  # the dense model's cosine similarity at which the passage it finds closest in meaning
#                       supports a quote whose words differ from the question's (with COVERAGE_WITH_DENSE of its
#                       concepts stated); never a unit's name or a figure. Chosen from the trade-off curve in
#                       eval/calibration.md (tune, 709 questions): 0.88 has the fewest false refusals (8/612) of the
#                       values that answer only one question the plan is silent on (0.87 answers two)
COVERAGE_WITH_DENSE = 0.25  # the share of concepts such a passage must still state (set by hand)
DENSE_OFF_TOPIC = 0.80  # below this best dense similarity, a question with no word of the plan is off-topic;
#                         swept 0.76–0.86 on tune: no effect (the lexical checks decide first)


@dataclass(frozen=True)
class Thresholds:
    """The knobs that decide whether the plan answers (``assistant.judging``)."""

    coverage_found: float = COVERAGE_FOUND
    dense_support: float = DENSE_SUPPORT
    coverage_with_dense: float = COVERAGE_WITH_DENSE
    dense_off_topic: float = DENSE_OFF_TOPIC
