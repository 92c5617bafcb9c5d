"""Small hand-made report texts for parser tests: a title, headings, and the table text as given."""

from __future__ import annotations

from pathlib import Path

from extractor.document import Document
from extractor.load.text import load_text
from extractor.parse import ParseOutcome, parse_document
from extractor.template import APPLICATION_ROW_LABELS

SEC2_PLAIN = """第二十条第（一）项
信息内容 本年制发件数 本年废止件数 现行有效件数
规章 0 0 0
行政规范性文件 5 1 40
第二十条第（五）项
信息内容 本年处理决定数量
行政许可 1,234
第二十条第（六）项
信息内容 本年处理决定数量
行政处罚 12
行政强制 3
第二十条第（八）项
信息内容 本年收费金额（单位：万元）
行政事业性收费 56.78
"""

SEC4_PLAIN = """行政复议 行政诉讼
结果维持 结果纠正 其他结果 尚未审结 总计 未经复议直接起诉 复议后起诉
2 1 0 0 3 0 0 0 1 1 0 0 0 0 0
"""

# a consistent 2021 table: (row key, seven values)
ROWS_2021: list[tuple[str, list[int]]] = [
    ("new_received", [15, 0, 0, 0, 0, 0, 15]),
    ("carried_over", [1, 0, 0, 0, 0, 0, 1]),
    ("granted", [8, 0, 0, 0, 0, 0, 8]),
    ("partially_granted", [2, 0, 0, 0, 0, 0, 2]),
    ("denied_state_secret", [0] * 7),
    ("denied_prohibited_by_law", [1, 0, 0, 0, 0, 0, 1]),
    ("denied_security_stability", [0] * 7),
    ("denied_third_party", [0] * 7),
    ("denied_internal_affairs", [0] * 7),
    ("denied_process_info", [0] * 7),
    ("denied_enforcement_file", [0] * 7),
    ("denied_inquiry", [0] * 7),
    ("unavailable_not_held", [3, 0, 0, 0, 0, 0, 3]),
    ("unavailable_needs_creation", [0] * 7),
    ("unavailable_unclear", [0] * 7),
    ("rejected_petition", [1, 0, 0, 0, 0, 0, 1]),
    ("rejected_duplicate", [0] * 7),
    ("rejected_publication", [0] * 7),
    ("rejected_excessive", [0] * 7),
    ("rejected_confirmation", [0] * 7),
    ("other_no_correction", [0] * 7),
    ("other_unpaid_fee", [0] * 7),
    ("other_other", [0] * 7),
    ("total_processed", [15, 0, 0, 0, 0, 0, 15]),
    ("carried_forward", [1, 0, 0, 0, 0, 0, 1]),
]

LABELS = {
    key: label.replace("（三）", "").replace("（四）", "").replace("（五）", "")
    for key, label in APPLICATION_ROW_LABELS.items()
}
LABELS["other_no_correction"] = "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"
LABELS["other_unpaid_fee"] = "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"
LABELS["other_other"] = "3.其他"


def plain_rows(rows: list[tuple[str, list[int]]] = ROWS_2021) -> str:
    return "\n".join(f"{LABELS[key]} {' '.join(map(str, values))}" for key, values in rows) + "\n"


def report_text(sec3: str, sec2: str = SEC2_PLAIN, sec4: str = SEC4_PLAIN, between: str = "") -> str:
    return (
        "示例市人民政府2023年政府信息公开工作年度报告\n"
        "本报告所列数据统计期限自2023年1月1日起至2023年12月31日止。\n"
        "一、总体情况\n2023年，我市共发布信息100条。\n"
        f"二、主动公开政府信息情况\n{sec2}\n"
        "三、收到和处理政府信息公开申请情况\n"
        "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）\n"
        "申请人情况 自然人 法人或其他组织 总计 商业企业 科研机构 社会公益组织 法律服务机构 其他\n"
        f"{sec3}\n{between}"
        f"四、政府信息公开行政复议、行政诉讼情况\n{sec4}\n"
        "五、存在的主要问题及改进情况\n无。\n六、其他需要报告的事项\n无。\n示例市人民政府办公室\n2024年1月20日\n"
    )


def parse_text(text: str, name: str = "sample.txt") -> tuple[Document, ParseOutcome]:
    document = load_text(Path(name), text.encode("utf-8"))
    return document, parse_document(document)


def values(outcome: ParseOutcome, prefix: str) -> list[object]:
    return [detail.value for key, detail in outcome.fields.items() if key.startswith(prefix + ".")]
