"""Set questions checked against the records: each expected set is computed here from corpus/annex.csv and
corpus/targets.csv (through the loaded plan), never written down."""
from __future__ import annotations

from assistant.operators import milestones


def test_distinct_lead_units_are_counted_once_each(assistant):
    """"哪些部门当过牵头单位": every unit that leads a row, spelled two ways or not, with its number of rows."""
    units = assistant.units
    expected: dict[str, int] = {}
    for row in assistant.plan.annex.values():
        for name in row.lead_units:
            expected[units.canonical(name)] = expected.get(units.canonical(name), 0) + 1
    ans = assistant.ask("附件中有哪些单位担任过牵头单位？")
    assert ans.route == "units" and ans.found
    assert ans.facts[-1]["count"] == len(expected) and ans.facts[-1]["units"] == expected
    assert f"共 {len(expected)} 个" in ans.answer
    assert {c.id for c in ans.citations} == set(assistant.plan.annex)  # every row counted is cited


def test_units_of_a_time_slice(assistant):
    ans = assistant.ask("Which departments lead the tasks due to be completed in 2020?")
    assert ans.route == "units" and ans.lang == "en"
    rows = [r for r in assistant.plan.annex.values()
            if any(m.matches(2020, ("完成",)) for m in milestones(r.timeline))]
    assert {c.id for c in ans.citations} == {r.id for r in rows}


def test_a_ruled_out_milestone_drops_rows_that_only_have_it(assistant):
    units = assistant.units
    ans = assistant.ask("市总工会牵头的任务里，除了常态化开展的，还有哪些？")
    led = [r for r in assistant.plan.annex.values() if any(units.canonical(u) == "市总工会" for u in r.lead_units)]
    kept = {r.id for r in led if not all("常态化" in m.text for m in milestones(r.timeline))}
    assert ans.route == "rows" and {c.id for c in ans.citations} == kept and 0 < len(kept) < len(led)
    assert "不含只写“常态化”" in ans.answer


def test_a_year_inside_a_printed_range_picks_that_milestone(assistant):
    """2023 lies in "2021-2025 年全覆盖开展": that milestone, not the row's 2019 figure, and no "文件没有写"."""
    ans = assistant.ask("到2023年，“诚信守法企业”创建活动要做到什么程度？")
    assert ans.found and "2021-2025 年全覆盖开展" in ans.answer and "50%" not in ans.answer
    assert "没有写" not in ans.answer


def test_an_annex_task_named_by_item_and_ordinal(assistant):
    first = assistant.ask("附件第19项第三条是谁牵头？")
    rows = sorted((r for r in assistant.plan.annex.values() if r.item == 19), key=lambda r: int(r.id.split(".")[1]))
    assert [c.id for c in first.citations][:1] == [rows[2].id] and rows[2].lead in first.answer
    then = assistant.ask("第四条呢？", ["附件第19项第三条是谁牵头？"])
    assert [c.id for c in then.citations][:1] == [rows[3].id]


def test_an_item_named_by_its_title_counts_its_rows(assistant):
    rows = [r for r in assistant.plan.annex.values() if r.item_title == "完善产业工人权益保障机制"]
    ans = assistant.ask("“完善产业工人权益保障机制”下面一共有几条具体任务？")
    assert ans.route == "rows" and ans.facts[-1]["count"] == len(rows)
    assert {c.id for c in ans.citations} == {r.id for r in rows}


def test_a_base_year_is_found_when_the_base_is_asked(assistant):
    """"以 2018 年为基数" is no milestone of 2018, unless the question asks for the base itself."""
    rows = [r for r in assistant.plan.annex.values() if "以 2018 年为基数" in r.timeline]
    ans = assistant.ask("哪些任务把2018年当作基数？")
    assert ans.route == "rows" and {c.id for c in ans.citations} == {r.id for r in rows}


def test_a_sum_leaves_out_what_the_question_rules_out(assistant):
    figures = [t for t in assistant.plan.targets if t.source == "a5.4" and t.year == "2025" and t.value.isdigit()]
    everything = assistant.ask("附件第5项建成的职教集团、院校、专业、试点项目、企业基地和人才培养标准，加起来一共多少个？")
    without = assistant.ask("附件第5项建成的职教集团、院校、专业、试点项目、企业基地和人才培养标准，加起来一共多少个？品牌专业除外")
    dropped = next(int(t.value) for t in figures if t.metric == "品牌专业")
    total = int(everything.facts[-1]["count"])
    assert int(without.facts[-1]["count"]) == total - dropped and "不含品牌专业" in without.answer


def test_a_yearly_comparison_compares_the_yearly_figures(assistant):
    ans = assistant.ask("首席工人和技术能手每年培育的人数哪个多？")
    yearly = {t.printed for t in assistant.plan.targets if t.year == "每年" and ("首席工人" in t.metric or "技术能手" in t.metric)}
    assert ans.route == "targets" and any(p in ans.answer for p in yearly) and "2025" not in ans.answer


def test_an_empty_selection_is_said_as_empty(assistant):
    ans = assistant.ask("团市委牵头、市财政局配合的任务有哪些？")
    assert not ans.found and ans.answer.startswith("附件中没有由团市委牵头、由市财政局配合的任务")


def test_a_span_of_years_asks_nothing_of_the_years_inside_it(assistant):
    """"从2019到2025年" names two years: the years between them are no premise to correct ("文件没有写“2022年”")."""
    ans = assistant.ask("区域党群服务中心从2019到2025年怎么安排？")
    assert ans.found and "2019 年达到 25%" in ans.answer
    assert "文件没有写" not in ans.answer and not any(str(y) in ans.answer for y in range(2021, 2025))
