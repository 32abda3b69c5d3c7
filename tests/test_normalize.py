"""Reading the question as typed (issue 10): width, script, dialect words, homophone typos — with the real
normaliser the engine builds (OpenCC, pypinyin, jieba, the plan's vocabulary), and the correction shown in the
trace."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from assistant.normalize import DIALECT_FILE

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def normalize(assistant):
    return assistant.parser.normalize


def steps(result) -> set[str]:
    return {step for step, _, _ in result.changes}


def test_full_width_and_traditional(normalize):
    out = normalize("勞模創新工作室到２０２５年要建多少家？")
    assert "劳模创新工作室" in out.text and "2025" in out.text
    assert {"width", "script"} <= steps(out)


@pytest.mark.parametrize("key,value", list(yaml.safe_load(DIALECT_FILE.read_text(encoding="utf-8"))["words"].items()))
def test_every_dialect_word_is_read_as_mandarin(normalize, key, value):
    out = normalize(f"{key}尘肺病防治")
    assert out.text == f"{value}尘肺病防治" and "dialect" in steps(out)


def test_a_dialect_word_inside_a_mandarin_word_is_left_alone(normalize):
    assert normalize("什么时候完成？").text == "什么时候完成?"  # 么时候 (Hubei) is in 什么时候


@pytest.mark.parametrize("text", ["工作是要完成的", "有什么工作是要在2022年完成的"])
def test_a_word_and_a_function_word_is_not_a_typo(normalize, text):
    assert "typo" not in steps(normalize(text))  # 工作是 is not 工作室


@pytest.mark.parametrize("typed,word", [
    ("学图制", "学徒制"), ("牵投", "牵头"), ("陈肺病", "尘肺病"),  # the same toneless pinyin
    ("全腹盖", "全覆盖"),  # a milestone the plan prints, though jieba cuts it (全 + 覆盖)
    ("母音室", "母婴室"), ("技能之心", "技能之星"),  # a fuzzy final (in/ing), one character off
])
def test_homophone_typos_become_the_plans_word(normalize, typed, word):
    out = normalize(f"{typed}谁牵头")
    assert ("typo", typed, word) in out.changes and word in out.text


@pytest.mark.parametrize("text", ["母音", "上级", "评上技师", "诚信守法企业", "开发建设"])
def test_real_words_and_plan_words_are_never_corrected(normalize, text):
    assert "typo" not in steps(normalize(text))


def test_explain_shows_the_correction(assistant, index_dir):
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(index_dir)}
    run = subprocess.run([sys.executable, "-m", "assistant", "ask", "学图制谁牵头？", "--json", "--explain"],
                         capture_output=True, cwd=ROOT, env=env, timeout=120)
    assert run.returncode == 0, run.stderr.decode()
    trace = json.loads(run.stdout)["trace"]
    assert ["typo", "学图制", "学徒制"] in trace["changes"]
