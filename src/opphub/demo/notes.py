"""Follow-up texts that read like real sales notes, by stage (spec S3 weekly records: customer feedback,
new objections, competitor moves; X3 "内部讨论" signals; L5 keywords "预算已明确" / "急需")."""

from __future__ import annotations

import random
from dataclasses import dataclass

COMPETITORS = ("用友", "金蝶", "鼎捷", "SAP", "浪潮", "赛意", "西门子", "某本地厂商")

NOTES: dict[str, tuple[str, ...]] = {
    "discovery": (
        "电话初步沟通，{contact}介绍了现状：{pain}。",
        "企业微信联系{contact}，对方对{product}有兴趣，约下周详细交流。",
        "展会上收集的线索，回访{contact}，确认有{product}需求，{budget}。",
        "客户反馈：{pain}，希望了解同行业案例。",
        "与{contact}通话，了解组织架构和决策链，{decision}。",
        "发送公司介绍和{product}资料，{contact}表示会转给领导看。",
        "客户主动来电咨询{product}，{urgency}。",
    ),
    "confirmation": (
        "现场拜访{contact}，按5W1H做了深度访谈：{pain}，计划{timeline}。",
        "和售前一起调研现场，梳理了三条核心需求，需求匹配度较高。",
        "需求确认纪要已发{contact}确认，对方提出补充集成要求。",
        "客户反馈：需求基本清楚，{budget}。",
        "{contact}说公司还在内部讨论项目范围，下周再定。",
        "第二次现场交流，重点看了{product}的演示，{contact}比较认可。",
        "与{contact}核对需求确认单，10项评分已逐条过完。",
    ),
    "solution": (
        "提交定制化方案初稿，包含ROI测算：预计降低运维成本30%。",
        "高层拜访：我方销售总监与{contact}会面，对方认可方案方向，{decision}。",
        "方案评审会，客户提出{objection}，答应两个工作日内回复。",
        "竞品动态：{competitor}也在接触客户，报价比我们低约15%。",
        "{contact}反馈方案整体可行，但内部讨论还没有结论。",
        "客户反馈：希望增加移动端和报表功能，方案需调整。",
        "周例会跟进：方案第二版已发，等待{contact}内部评估。",
        "组织客户参观标杆案例，{contact}印象很好，{urgency}。",
    ),
    "closing": (
        "商务谈判：客户询问能否分三期付款，已报财务评估。",
        "合同条款沟通：交付日期和违约条款基本达成一致。",
        "{contact}问能否赠送一年免费运维，需内部申请。",
        "法务审核意见已反馈客户，等待对方盖章。",
        "客户表示会优先与我们合作，{budget}。",
        "异议处理：{objection}，已在24小时内给出答复。",
        "与交付团队对接资源和排期，准备交接。",
    ),
    "archive": (
        "项目已归档，整理筛选表、纪要、方案和合同。",
        "复盘会：总结本项目的成功和不足。",
    ),
}

FEEDBACK = (
    "对系统稳定性比较关心", "希望先做试点再全面推广", "对实施周期有顾虑", "认可我们的行业经验",
    "担心与现有ERP的集成难度", "领导很重视这个项目", "希望价格再有优惠",
)
OBJECTIONS = (
    "价格比预算高，希望再降10%", "实施周期太长", "担心数据迁移风险", "付款方式希望分三期",
    "要求一年免费运维", "需求变更，新增两个工厂", "对方新领导要重新评估",
)
NEXT_STEPS = (
    "下周二再电话确认细节", "安排售前做产品演示", "准备需求确认单给客户签字", "约客户高层拜访",
    "整理竞品对比白皮书", "提交合同给财务和法务审核", "三个工作日内回复异议", "发送报价单",
    "约{contact}现场交流", "跟进内部讨论结果",
)
BUDGET = ("预算已明确，约{amount}万", "预算还没批", "预算在年度计划内", "预算范围{amount}万左右，待批复")
URGENCY = ("急需在旺季前上线", "不着急，年底前定就行", "急需解决当前问题", "希望尽快推进")
DECISION = ("决策人是{contact}", "最终由总经理拍板", "IT和生产共同评估，总经理决策", "集团总部也要参与审批")


@dataclass(frozen=True)
class NoteParts:
    notes: str
    customer_feedback: str
    objections: str
    competitor_moves: str
    next_step: str


def compose(rng: random.Random, *, stage: str, contact: str, product: str, pain: str, timeline: str,
            amount_wan: int) -> NoteParts:
    """One follow-up's texts; the structured fields are filled about half of the time, as in real logs."""
    fmt = {
        "contact": contact, "product": product, "pain": pain, "timeline": timeline,
        "competitor": rng.choice(COMPETITORS), "objection": rng.choice(OBJECTIONS),
        "budget": rng.choice(BUDGET).format(amount=amount_wan),
        "urgency": rng.choice(URGENCY), "decision": rng.choice(DECISION).format(contact=contact),
    }
    notes = rng.choice(NOTES.get(stage, NOTES["discovery"])).format(**fmt)
    feedback = rng.choice(FEEDBACK) if rng.random() < 0.5 else ""
    objections = rng.choice(OBJECTIONS) if stage in ("solution", "closing") and rng.random() < 0.4 else ""
    competitor = (f"{rng.choice(COMPETITORS)}在同期接触客户" if stage != "discovery" and rng.random() < 0.2
                  else "")
    next_step = rng.choice(NEXT_STEPS).format(contact=contact) if rng.random() < 0.7 else ""
    return NoteParts(notes, feedback, objections, competitor, next_step)


LOSS_NOTES: dict[str, tuple[str, ...]] = {
    "price": ("丢单：客户选择了{competitor}，对方报价低约20%", "丢单：价格差距太大，客户最终选择低价方案"),
    "requirement_change": ("丢单：客户需求变更，项目范围调整后暂缓", "丢单：客户改为自研，需求变了"),
    "decision_maker_change": ("丢单：客户决策人离职，新领导重新选型", "丢单：总经理调岗，项目被搁置"),
    "internal_resources": ("丢单：我方售前资源不足，响应慢", "丢单：交付排期排不开，客户等不及"),
}
WIN_NOTES = ("赢单：合同已盖章，成功点：高层拜访推动了决策", "赢单：客户确认成交，成功点：标杆案例参观",
             "赢单：合同签署，成功点：ROI测算打动了财务总监")


def close_note(rng: random.Random, *, outcome: str, loss_reason: str) -> str:
    if outcome == "won":
        return rng.choice(WIN_NOTES)
    return rng.choice(LOSS_NOTES[loss_reason]).format(competitor=rng.choice(COMPETITORS))
