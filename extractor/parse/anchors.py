"""Row labels of the three tables, as whitespace-tolerant patterns with their variants."""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractor.parse.layout import loose


def _alt(*words: str) -> str:
    return "(?:" + "|".join(loose(w) for w in words) + ")"


# section 三, in printed order; the key words are distinctive enough that the
# enumerators ((一), 1., 1、) and the group labels may be missing or broken
APPLICATION_WORDS: dict[str, tuple[str, ...]] = {
    "new_received": ("本年新收", "新收政府信息公开申请"),
    "carried_over": ("上年结转",),
    "granted": ("予以公开",),
    "partially_granted": ("部分公开",),
    "denied_state_secret": ("国家秘密",),
    "denied_prohibited_by_law": ("禁止公开", "行政止公开", "法规禁止", "法律行政法规"),
    "denied_security_stability": ("三安全一稳定", "危及"),
    "denied_third_party": ("第三方合法权益", "第三方"),
    "denied_internal_affairs": ("内部事务",),
    "denied_process_info": ("过程性信息",),
    "denied_enforcement_file": ("行政执法案卷", "执法案卷"),
    "denied_inquiry": ("行政查询", "查询事项"),
    "unavailable_not_held": ("不掌握",),
    "unavailable_needs_creation": ("另行制作", "没有现成信息"),
    "unavailable_unclear": ("仍不明确", "补正后申请"),
    "rejected_petition": ("信访举报", "信访"),
    "rejected_duplicate": ("重复申请",),
    "rejected_publication": ("公开出版物", "出版物"),
    "rejected_excessive": ("大量反复", "反复申请"),
    "rejected_confirmation": ("重新出具", "确认或重新"),
    "other_no_correction": ("逾期不补正", "不补正", "无正当理由逾期"),
    "other_unpaid_fee": ("缴纳费用", "收费通知", "逾期未按"),
    "other_other": ("其他",),
    "other_handling": ("其他处理",),
    "total_processed": ("总计", "合计"),
    "carried_forward": ("结转下年度", "下年度继续办理", "转下年度"),
}
APPLICATION_ANCHORS: dict[str, str] = {key: _alt(*words) for key, words in APPLICATION_WORDS.items()}
APPLICATION_ANCHORS["other_other"] = r"(?:3\s*[.、]?\s*)?" + loose("其他") + r"(?!\s*处\s*理)"
# OCR reads the bracket of （七） as 〈 or [ now and then
APPLICATION_ANCHORS["total_processed"] = r"(?:[(〈<\[【]\s*七\s*[)〉>\]】]|七\s*[、.])\s*" + _alt(
    *APPLICATION_WORDS["total_processed"]
)

# section 二: the item labels, which stand at the start of a line or a cell
# (or right after a number, or right after the 信息内容 header: loaders sometimes run two table rows
# together, or the header cell into the label cell of the row below it, as seen in PDFs whose section
# 二 table has a merged header; the loader is the better place to fix that, this keeps the label found)
# (a page dump runs the header into the first label too: ``现行有效件数规章000``)
_LINE_START = r"(?:^|(?<=[\n\t|\f])|(?<=\d)|(?<=信息内容)|(?<=件数)|(?<=数量)|(?<=金额)|(?<=增/减)|(?<=元\)))[ \t*]*"
ACTIVE_ANCHORS: dict[str, str] = {
    "regulations": _LINE_START + loose("规章") + r"(?![\u4e00-\u9fff])",
    "normative_documents": _LINE_START + r"(?:行\s*政\s*)?" + loose("规范性文件") + r"(?![\u4e00-\u9fff])",
    "licensing": _LINE_START + loose("行政许可") + r"(?![\u4e00-\u9fff])",
    "other_services": _LINE_START + loose("其他对外管理服务事项"),
    "penalty": _LINE_START + loose("行政处罚") + r"(?![\u4e00-\u9fff])",
    "coercion": _LINE_START + loose("行政强制") + r"(?![\u4e00-\u9fff])",
    "fees": _LINE_START + loose("行政事业性收费") + r"(?![\u4e00-\u9fff])",
    "procurement": _LINE_START + loose("政府集中采购") + r"(?![\u4e00-\u9fff])",
}

TEMPLATE_2019_HEADERS = re.compile(_alt("本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量"))
TEMPLATE_2021_HEADERS = re.compile(_alt("本年制发件数", "本年新制发件数", "本年废止件数", "现行有效件数"))
# the unit in the header cell, which a converter may cut in two (``（单位：万|元）``)
FEES_UNIT = re.compile(loose("收费金额") + r"[^\n]{0,12}?" + r"(万[\s|]*元|元)")
PROCUREMENT_UNIT = re.compile(loose("采购总金额") + r"[^\n]{0,12}?" + r"(万[\s|]*元|元)")

# words that end a run of numbers: any other row label or a table header
STOP_WORDS = re.compile(
    _alt(
        "第二十条",
        "信息内容",
        "申请人情况",
        "行政复议",
        "行政诉讼",
        "结果维持",
        "本年度办理结果",
    )
)


@dataclass(frozen=True, slots=True)
class Anchor:
    key: str
    start: int
    end: int


def compiled(patterns: dict[str, str]) -> dict[str, re.Pattern[str]]:
    return {key: re.compile(pattern) for key, pattern in patterns.items()}


APPLICATION_RE = compiled(APPLICATION_ANCHORS)
ACTIVE_RE = compiled(ACTIVE_ANCHORS)
