"""The national report template: sections, rows, columns and their keys.

Pure data. Everything that names a field (the report model, the checks, the
parser, eval and review) reads the keys from here, so the contract in
SCHEMA.md is written down once.
"""

from __future__ import annotations

from typing import Final, Literal

TemplateName = Literal["2021", "2019"]
TEMPLATES: Final[tuple[TemplateName, ...]] = ("2021", "2019")

# section 三: columns of every applications row, in printed order
APPLICANT_COLUMNS: Final[tuple[str, ...]] = (
    "natural_person",
    "commercial",
    "research",
    "social_welfare",
    "legal_service",
    "other_org",
    "total",
)
APPLICANT_PARTS: Final[tuple[str, ...]] = APPLICANT_COLUMNS[:-1]

# section 三: rows in printed order, with their labels
APPLICATION_ROW_LABELS: Final[dict[str, str]] = {
    "new_received": "一、本年新收政府信息公开申请数量",
    "carried_over": "二、上年结转政府信息公开申请数量",
    "granted": "（一）予以公开",
    "partially_granted": "（二）部分公开",
    "denied_state_secret": "（三）1.属于国家秘密",
    "denied_prohibited_by_law": "（三）2.其他法律行政法规禁止公开",
    "denied_security_stability": "（三）3.危及“三安全一稳定”",
    "denied_third_party": "（三）4.保护第三方合法权益",
    "denied_internal_affairs": "（三）5.属于三类内部事务信息",
    "denied_process_info": "（三）6.属于四类过程性信息",
    "denied_enforcement_file": "（三）7.属于行政执法案卷",
    "denied_inquiry": "（三）8.属于行政查询事项",
    "unavailable_not_held": "（四）1.本机关不掌握相关政府信息",
    "unavailable_needs_creation": "（四）2.没有现成信息需要另行制作",
    "unavailable_unclear": "（四）3.补正后申请内容仍不明确",
    "rejected_petition": "（五）1.信访举报投诉类申请",
    "rejected_duplicate": "（五）2.重复申请",
    "rejected_publication": "（五）3.要求提供公开出版物",
    "rejected_excessive": "（五）4.无正当理由大量反复申请",
    "rejected_confirmation": "（五）5.要求行政机关确认或重新出具已获取信息",
    "other_no_correction": "（六）1.申请人无正当理由逾期不补正",
    "other_unpaid_fee": "（六）2.申请人逾期未按收费通知要求缴纳费用",
    "other_other": "（六）3.其他",
    "other_handling": "（六）其他处理",
    "total_processed": "（七）总计",
    "carried_forward": "四、结转下年度继续办理",
}
APPLICATION_ROWS: Final[tuple[str, ...]] = tuple(APPLICATION_ROW_LABELS)
OTHER_SUBROWS: Final[tuple[str, ...]] = ("other_no_correction", "other_unpaid_fee", "other_other")


def form_rows(single_other: bool) -> tuple[str, ...]:
    """Section 三's rows in the form's order, （六） printed as one row (其他处理) or as its three sub-rows."""
    left_out = OTHER_SUBROWS if single_other else ("other_handling",)
    return tuple(r for r in APPLICATION_ROWS if r not in left_out)


# rows summed by identity 2 (total_processed = sum of outcomes)
OUTCOME_ROWS: Final[tuple[str, ...]] = tuple(
    r
    for r in APPLICATION_ROWS
    if r.startswith(("granted", "partially_granted", "denied_", "unavailable_", "rejected_", "other_"))
)

# section 四
REVIEW_GROUPS: Final[dict[str, str]] = {
    "reconsideration": "行政复议",
    "litigation_direct": "未经复议直接起诉",
    "litigation_after_reconsideration": "复议后起诉",
}
REVIEW_COLUMNS: Final[tuple[str, ...]] = ("upheld", "corrected", "other", "pending", "total")

# section 二, per template: item key -> (label, field keys)
ACTIVE_DISCLOSURE: Final[dict[TemplateName, dict[str, tuple[str, tuple[str, ...]]]]] = {
    "2021": {
        "regulations": ("规章", ("issued", "repealed", "in_force")),
        "normative_documents": ("规范性文件", ("issued", "repealed", "in_force")),
        "licensing": ("行政许可", ("decisions",)),
        "penalty": ("行政处罚", ("decisions",)),
        "coercion": ("行政强制", ("decisions",)),
        "fees": ("行政事业性收费", ("amount_10k_yuan",)),
    },
    "2019": {
        "regulations": ("规章", ("made", "published", "total_published")),
        "normative_documents": ("规范性文件", ("made", "published", "total_published")),
        "licensing": ("行政许可", ("items_last_year", "items_change", "decisions")),
        "other_services": ("其他对外管理服务事项", ("items_last_year", "items_change", "decisions")),
        "penalty": ("行政处罚", ("items_last_year", "items_change", "decisions")),
        "coercion": ("行政强制", ("items_last_year", "items_change", "decisions")),
        "fees": ("行政事业性收费", ("items_last_year", "items_change")),
        "procurement": ("政府集中采购", ("projects", "amount_yuan")),
    },
}

# fields whose values are money and keep their decimals
MONEY_FIELDS: Final[frozenset[str]] = frozenset({"amount_10k_yuan", "amount_yuan"})

METADATA_FIELDS: Final[tuple[str, ...]] = ("organization", "year", "published_on", "template")

# the printed labels of the columns and fields (the LLM's schema, the review page, Chinese export headers)
COLUMN_LABELS = {
    "natural_person": "自然人",
    "commercial": "商业企业",
    "research": "科研机构",
    "social_welfare": "社会公益组织",
    "legal_service": "法律服务机构",
    "other_org": "其他（法人或其他组织）",
    "total": "总计",
}
REVIEW_COLUMN_LABELS = {
    "upheld": "结果维持",
    "corrected": "结果纠正",
    "other": "其他结果",
    "pending": "尚未审结",
    "total": "总计",
}
ACTIVE_FIELD_LABELS = {
    "issued": "本年制发件数",
    "repealed": "本年废止件数",
    "in_force": "现行有效件数",
    "decisions": "本年处理决定数量",
    "amount_10k_yuan": "本年收费金额（单位：万元）",
    "made": "本年新制作数量",
    "published": "本年新公开数量",
    "total_published": "对外公开总数量",
    "items_last_year": "上一年项目数量",
    "items_change": "本年增/减",
    "projects": "采购项目数量",
    "amount_yuan": "采购总金额（元）",
}
