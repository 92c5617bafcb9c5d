"""The words around the tables: preface, sections 一 and 五/六, section headings with their variants.

Prose carries numbers too (信息条数, 受理件数, phone numbers), as real reports
do: an extractor must not take them for table cells.
"""

from __future__ import annotations

import random

from gen_report import Synthetic

HEADINGS: dict[int, tuple[str, ...]] = {
    1: ("一、总体情况", "一、总体情况", "一、 总体情况", "一、基本情况"),
    2: ("二、主动公开政府信息情况", "二、主动公开政府信息情况", "二、主动公开政府信息情况统计"),
    3: (
        "三、收到和处理政府信息公开申请情况",
        "三、收到和处理政府信息公开申请情况",
        "三、收到和处理政府信息公开申请的情况",
    ),
    4: (
        "四、政府信息公开行政复议、行政诉讼情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "四、因政府信息公开申请行政复议、提起行政诉讼的情况",
        "四、政府信息公开工作被申请行政复议、提起行政诉讼情况",
    ),
    5: ("五、存在的主要问题及改进情况", "五、政府信息公开工作存在的主要问题及改进情况", "五、存在的主要问题及改进措施"),
    6: ("六、其他需要报告的事项", "六、其他需要报告的事项", "六、其他需要报告的事项"),
}


def section_heading(number: int, rng: random.Random) -> str:
    return rng.choice(HEADINGS[number])


def _office(syn: Synthetic) -> str:
    if syn.level in ("city", "county", "district"):
        return syn.organization.replace("人民政府", "") + "人民政府办公室"
    return syn.organization + "办公室"


def intro(syn: Synthetic, rng: random.Random) -> list[str]:
    year = syn.report["year"]
    bases = [
        "根据《中华人民共和国政府信息公开条例》第五十条规定",
        f"按照《中华人民共和国政府信息公开条例》和上级关于做好{year}年政府信息公开工作年度报告编制发布工作的要求",
    ]
    if syn.template == "2021":  # the notice that brought in the 2021 format
        bases.append(
            "根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《国务院办公厅政府信息与政务公开办公室"
            "关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》（国办公开办函〔2021〕30号）要求"
        )
    basis = rng.choice(bases)
    phone = f"0{rng.randint(300, 999)}-{rng.randint(2000000, 8999999)}"
    parts = [
        f"{basis}，{syn.organization}编制本年度报告。",
        "本报告包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、"
        "政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项。",
        f"本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。",
    ]
    if rng.random() < 0.6:
        parts.append(f"如对本报告有疑问，请与{_office(syn)}联系（联系电话：{phone}）。")
    return ["".join(parts)]


_ACTIVE_SENTENCES = (
    "全年通过政府门户网站主动公开政府信息{n1}条，其中政策文件{n2}件、政策解读{n3}篇。",
    "围绕重点领域信息公开，发布财政预决算、重大建设项目、公共资源配置等信息{n1}条。",
    "通过政务新媒体发布信息{n1}条，召开新闻发布会{n4}场。",
)
_APPLY_SENTENCES = (
    "全年共受理政府信息公开申请{apps}件，均在法定期限内答复。",
    "进一步规范依申请公开办理流程，{year}年新收政府信息公开申请{apps}件，上年结转{over}件。",
    "严格落实依申请公开登记、审核、办理、答复、归档等环节要求，按时答复率100%。",
)
_MANAGE_SENTENCES = (
    "严格落实公文公开属性源头认定和保密审查机制，坚持“先审查、后公开”“一事一审”原则。",
    "对现行有效的行政规范性文件进行全面清理，及时更新政府信息公开目录。",
    "落实政府信息公开保密审查制度，全年未发生泄密事件。",
)
_PLATFORM_SENTENCES = (
    "持续优化政府门户网站政府信息公开专栏，新增栏目{n4}个，调整栏目{n5}个。",
    "加强政务新媒体管理，规范开设政务新媒体账号{n5}个。",
    "在政务服务中心设立政府信息公开查阅点，方便群众查阅。",
)
_SUPERVISION_SENTENCES = (
    "将政务公开工作纳入年度绩效考核，组织开展业务培训{n4}次。",
    "成立政务公开工作领导小组，主要负责同志亲自抓，分管负责同志具体抓。",
    "本年度未发生因政务公开工作不到位被追究责任的情况。",
)
OVERVIEW_PARTS = (
    ("主动公开", _ACTIVE_SENTENCES),
    ("依申请公开", _APPLY_SENTENCES),
    ("政府信息管理", _MANAGE_SENTENCES),
    ("平台建设", _PLATFORM_SENTENCES),
    ("监督保障", _SUPERVISION_SENTENCES),
)
CN_ORDINALS = "一二三四五六七八九十"


def overview(syn: Synthetic, rng: random.Random) -> list[tuple[str, str]]:
    """Section 一 as (sub-heading or "", paragraph) pairs."""
    apps = syn.report["applications"]
    numbers = {
        "n1": rng.randint(200, 9000),
        "n2": rng.randint(5, 120),
        "n3": rng.randint(3, 60),
        "n4": rng.randint(1, 12),
        "n5": rng.randint(1, 30),
        "apps": apps["new_received"]["total"],
        "over": apps["carried_over"]["total"],
        "year": syn.report["year"],
    }
    year = syn.report["year"]
    opening = (
        f"{year}年，{syn.organization}坚持以习近平新时代中国特色社会主义思想为指导，"
        "认真贯彻落实党中央、国务院关于全面推进政务公开工作的决策部署，"
        "严格执行《中华人民共和国政府信息公开条例》，不断提升政务公开质量和实效。"
    )
    out = [("", opening)]
    inline = rng.random() < 0.4  # （一）主动公开方面。… as one paragraph, or a sub-heading line
    for i, (topic, sentences) in enumerate(OVERVIEW_PARTS[: rng.randint(3, 5)]):
        chosen = rng.sample(sentences, rng.randint(1, len(sentences)))
        text = "".join(s.format(**numbers) for s in chosen)
        sub = f"（{CN_ORDINALS[i]}）{topic}"
        if inline:
            out.append(("", f"{sub}方面。{text}"))
        else:
            out.append((sub, text))
    return out


def conclusion(syn: Synthetic, rng: random.Random) -> list[str]:
    year = syn.report["year"]
    problems = rng.sample(
        [
            "政策解读形式不够丰富",
            "部分重点领域信息更新不够及时",
            "工作人员业务能力有待提升",
            "公众参与度有待提高",
            "政务新媒体管理有待加强",
        ],
        3,
    )
    return [
        f"{year}年，我单位政府信息公开工作取得了一定成效，但仍存在一些不足：一是{problems[0]}；"
        f"二是{problems[1]}；三是{problems[2]}。下一步，将进一步加强组织领导，完善工作机制，"
        "加大培训力度，不断提升政府信息公开工作水平。"
    ]


def other_matters(syn: Synthetic, rng: random.Random) -> list[str]:
    fee = rng.choice(
        [
            "按照《国务院办公厅关于印发〈政府信息公开信息处理费管理办法〉的通知》（国办函〔2020〕109号）"
            "规定的按件、按量收费标准，本年度没有产生信息处理费。",
            "本年度未收取信息处理费。",
        ]
    )
    extra = rng.choice(["", "无其他需要报告的事项。", "本报告电子版可在本机关门户网站政府信息公开专栏查阅。"])
    return [fee + extra]
