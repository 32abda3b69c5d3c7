"""Answer composition on representative questions: routes, names, numbers, citations, languages.

Each case: question, earlier questions (follow-ups), expected route, whether the plan answers,
strings the answer must contain exactly as printed, and citation ids of which one must be cited.
"""
from __future__ import annotations

import pytest

CASES = [
    # --- responsibility (annex) ---
    ("尘肺病防治攻坚行动由哪个部门牵头？", [], "row", True, ["市卫生健康局", "市住建局", "2020 年制定方案"], ["a19.4"]),
    ("三项岗位安全技能培训谁负责？", [], "row", True, ["市应急管理局", "市总工会"], ["a19.3"]),
    ("职工食堂、母婴室这些配套设施归哪个部门管？", [], "row", True, ["市总工会", "市市场监管局"], ["a19.5"]),
    ("工会会员实名制管理什么时候完成数据采集？", [], "row", True, ["2020 年完成数据采集"], ["a9.1"]),
    ("住房租赁市场实施意见谁牵头，哪些单位配合？", [], "row", True,
     ["市住建局", "市发改局", "市人社局", "市自然资源规划局"], ["a21.1"]),
    ("“青匠工程”由谁牵头？", [], "row", True, ["团市委"], ["a20.2"]),
    ("统筹技能人才培养资金这件事谁牵头？", [], "row", True, ["市财政局", "市人力社保局"], ["a17.1"]),
    ("县域医共体建设谁来抓？", [], "row", True, ["市卫生健康局"], ["a22.2"]),
    ("who leads the 尘肺病 action", [], "row", True, ["市卫生健康局", "Health Bureau"], ["a19.4"]),
    ("Which unit is in charge of the 5·1 service card and inclusive funds?", [], "row", True,
     ["市总工会"], ["a11.1"]),
    ("Who cooperates on building Party-mass service centres in industrial parks?", [], "row", True,
     ["市总工会", "团市委", "市妇联"], ["a1.2"]),
    ("By when should the 三项岗位 training be completed?", [], "row", True, ["2025 年全部完成"], ["a19.3"]),
    ("市人社局牵头的尘肺病防治行动，配合单位是哪些？", [], "row", True, ["市卫生健康局", "市住建局"], ["a19.4"]),
    # --- follow-ups ---
    ("那配合单位呢？", ["尘肺病防治攻坚行动由哪个部门牵头？"], "row", True, ["市住建局", "市财政局", "市总工会"], ["a19.4"]),
    ("什么时候完成？", ["三项岗位安全技能培训谁负责？"], "row", True, ["2025 年全部完成"], ["a19.3"]),
    # a follow-up naming only a new year gets that year's milestone, even one without a number
    ("那2023年呢？", ["“法律进企业”活动2019年覆盖面要到多少？"], "target", True, ["2021-2025 年全覆盖开展"], ["a2.1"]),
    ("and who cooperates?", ["who leads the 尘肺病 action"], "row", True, ["市住建局"], ["a19.4"]),
    ("那尘肺病呢？", ["三项岗位安全技能培训谁负责？"], "row", True, ["市卫生健康局"], ["a19.4"]),
    # --- unit look-ups: the complete list ---
    ("市总工会牵头哪些任务？", ["住房公积金能交房租吗？"], "rows", True, ["疗休养"], ["a9.1", "a19.5"]),
    ("那市财政局呢？", ["市总工会配合哪些工作？"], "rows", True, ["尘肺病"], ["a19.4", "a19.1"]),
    ("市总工会牵头哪些任务？", [], "rows", True, ["开展工会会员实名制管理", "疗休养"], ["a9.1", "a11.1", "a19.5"]),
    ("团市委负责哪些工作？", [], "rows", True, ["行行出状元", "青匠工程"], ["a14.5", "a20.2"]),
    ("市财政局配合哪些工作？", [], "rows", True, ["尘肺病"], ["a19.4", "a19.1"]),
    ("人社局牵头的任务有哪些？", [], "rows", True, ["市人力社保局"], ["a6.1", "a13.1"]),
    ("What tasks does the Health Bureau lead?", [], "rows", True, ["尘肺病", "县域医疗服务共同体"], ["a19.4", "a22.2"]),
    # --- targets (numbers) ---
    ("到2025年全市技能劳动者要达到多少？", [], "target", True, ["23 万"], ["general"]),
    ("高技能人才的目标是多少？", [], "target", True, ["8 万"], ["general"]),
    ("一线职工教育培训经费比例不能低于多少？", [], "target", True, ["60%"], ["m19", "a18.4"]),
    ("紧缺急需技能人才的岗位津贴每月多少钱？", [], "target", True, ["500 元", "1000 元"], ["m13"]),
    ("岗位津贴最长能领多久？", [], "target", True, ["36 个月"], ["m13", "a13.3"]),
    ("“上林名匠”要培育多少名？", [], "target", True, ["100"], ["m8", "a8.3"]),
    ("每年培育多少名首席工人？", [], "target", True, ["20"], ["m14", "a14.4"]),
    ("双师型教师比例要超过多少？", [], "target", True, ["50%"], ["m5"]),
    ("How many 技能大师工作室 by 2025?", [], "target", True, ["25"], ["m15", "a15.1"]),
    ("How many people a year get 三项岗位 safety training?", [], "series", True, ["0.8"], ["a19.3"]),
    ("各级工会每年投入多少普惠资金？", [], "target", True, ["80 万元"], ["a11.1"]),
    ("“技能之星”职业技能大赛多久举办一次？", [], "target", True, ["每两年"], ["m14"]),  # a number in words
    ("“小三级”工会2020年要有多少达标？", [], "target", True, ["2020 年 50% 达标"], ["a4.2"]),  # the task's own name
    # --- policy content ---
    ("住房公积金能交房租吗？", [], "clause", True, ["支付房租"], ["m22"]),
    ("上下班通勤有什么办法？", [], "clause", True, ["定制包车"], ["m23"]),
    ("孩子上学的问题方案怎么说？", [], "clause", True, ["子女就学"], ["m24"]),
    ("评上技师有啥补贴？", [], "clause", True, ["岗位津贴"], ["m13", "a13.3", "a13.2"]),
    ("企业培训费用能税前扣除吗？", [], "clause", True, ["税前扣除"], ["m19"]),
    ("Can the housing provident fund be used to pay rent?", [], "clause", True, ["支付房租"], ["m22"]),
    ("What does the plan say about commuting?", [], "clause", True, ["定制包车"], ["m23"]),
    ("职工能参与公司治理吗？", [], "clause", True, ["公司治理"], ["m3"]),
    # --- the plan does not say ---
    ("世界技能大赛拿金牌奖励多少钱？", [], None, False, ["一定的奖励", "市人社局"], ["a14.1"]),
    ("养老金会涨多少？", [], None, False, [], []),
    ("2030年技能劳动者目标是多少？", [], None, False, ["2025"], ["general"]),
    ("上海对产业工人有什么住房政策？", [], None, False, ["上海"], ["m22", "a21.1"]),
    ("岗位津贴在哪个APP上申请？", [], None, False, ["岗位津贴"], ["m13", "a13.3"]),
    ("How much is the reward for a WorldSkills gold medal?", [], None, False, ["一定的奖励"], ["a14.1"]),
]


@pytest.mark.parametrize("question,history,route,found,must,cite", CASES, ids=[c[0][:24] for c in CASES])
def test_answer(assistant, question, history, route, found, must, cite):
    ans = assistant.ask(question, history)
    assert ans.found is found, ans.answer
    if route:
        assert ans.route == route, ans.answer
    for s in must:
        assert s in ans.answer, f"{s!r} not in: {ans.answer}"
    ids = [c.id for c in ans.citations]
    if cite:
        if route == "unit_lookup":
            assert set(cite) <= set(ids), ids
        else:
            assert set(cite) & set(ids), ids
    assert ans.citations or not found


def test_english_answers_in_english_with_names_verbatim(assistant):
    ans = assistant.ask("Who is responsible for the pneumoconiosis prevention campaign?")
    assert ans.lang == "en" and ans.answer.startswith(("Task ", "The ")) and "市卫生健康局" in ans.answer


def test_chinese_answers_in_chinese(assistant):
    ans = assistant.ask("尘肺病防治谁牵头？")
    assert ans.answer.startswith("牵头的是市卫生健康局。")


def test_inherited_lead_is_flagged(assistant):
    ans = assistant.ask("建立优秀技术工人疗休养制度由谁牵头？")
    assert ans.facts[0]["id"] == "a19.6" and "合并单元格" in ans.answer


def test_unit_lookup_is_complete(assistant):
    """A unit's list is never top-N: it equals every annex row naming the unit in that role."""
    units = assistant.units
    for unit in ("市总工会", "市人力社保局", "市财政局", "团市委"):
        ans = assistant.ask(f"{unit}牵头哪些任务？")
        expected = {r.id for r in assistant.plan.annex.values() if units.canonical(r.lead) == unit}
        assert {c.id for c in ans.citations} == expected, unit


def test_refusal_names_nearest_and_responsible_unit(assistant):
    ans = assistant.ask("首席技师的职务津贴一个月多少钱？")
    assert not ans.found and "文件没有写明" in ans.answer and "一定的职务津贴" in ans.answer
    assert "市人社局" in ans.answer


def test_empty_question_is_a_clear_answer(assistant):
    ans = assistant.ask("   ")
    assert not ans.found and ans.route == "none" and "请输入" in ans.answer
