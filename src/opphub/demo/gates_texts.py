"""Texts of the demo's stage work (spec S2 5W1H, S3 proposal, S4 commitment, S5 archive), in the style
of ``notes``: short, concrete, the way a rep writes them."""

from __future__ import annotations

import random

WHY = ("{pain}，已影响交付和成本，管理层要求{timeline}前解决", "{pain}，年度经营会上被点名，必须尽快改善",
       "现有系统无法支撑业务增长：{pain}")
WHAT = ("以{product}覆盖生产、仓储和质检三个核心场景", "先在主力工厂落地{product}，打通计划到执行",
        "{product}与现有ERP集成，解决数据孤岛问题")
WHO = ("{decider}拍板，{influencer}牵头评估，IT部门配合", "{decider}最终决策，{influencer}负责技术评估",
       "项目组由{influencer}牵头，{decider}审批预算")
WHERE = ("{company}总部及两个生产基地", "{company}主厂区，二期扩展到外地分厂", "{company}总部试点，后续集团推广")
HOW = ("试点三个月，按交付及时率和库存周转评估", "以上线后的效率提升和报表准确率验收",
       "由IT和业务部门联合打分，重点看稳定性和实施周期")
SOLUTION = ("针对“{pain}”：以{product}为核心，配合移动端和看板，实时掌握现场状态",
            "痛点“{pain}”→ {product}标准功能加两项定制开发，覆盖全部核心需求")
PATH = ("分三期实施：一期核心模块上线（8周），二期集成ERP（6周），三期推广到分厂",
        "先试点后推广：试点产线6周上线，验收后3个月内全厂推广")
ROI = ("投资约{wan}万元，预计{months}个月回收；年节省人工和库存成本约{saving}万元",
       "按降低运维成本30%测算，{months}个月收回投资，三年净收益约{saving}万元")
COMMITMENT = ("{day}，{title}{name}在高层会谈中表示：同等条件下优先与我们合作",
              "{day}，{title}{name}邮件确认：方案通过，商务条款谈妥即签约")
SUCCESS = ("高层拜访推动了决策", "标杆案例参观打动客户", "ROI测算获得财务认可", "售前方案贴合业务场景",
           "快速响应异议赢得信任", "试点效果超出预期", "与决策人建立了直接沟通")
LOSS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {  # competitor, real reason, weakness
    "price": (("{competitor}报价低约20%，并承诺免费运维一年", "{competitor}以低价抢单，首年只收许可费"),
              ("预算被压缩，采购只看总价", "财务总监坚持选最低价"),
              ("价值锚点没有在方案阶段立住", "没有及早提供竞品对比白皮书")),
    "requirement_change": (("{competitor}有现成的行业模板，改动少", "{competitor}同意按新范围重新报价"),
                           ("集团调整了信息化规划，项目范围变了", "新增两个工厂，原方案不再适用"),
                           ("需求确认单没有及时更新", "需求变化后没有重新走确认流程")),
    "decision_maker_change": (("{competitor}与新领导有过合作", "{competitor}更早接触了新的决策人"),
                              ("原决策人调岗，新领导重新选型", "总经理离职，项目被搁置"),
                              ("决策链只押在一个人身上", "没有通过原对接人及时引荐新决策人")),
    "internal_resources": (("{competitor}当周就派了实施顾问", "{competitor}本地团队响应更快"),
                           ("客户等不及我们的排期", "客户需要驻场支持，我们给不了"),
                           ("售前资源不足，响应慢", "交付排期排不开，没有及时升级资源")),
}
COMPETITORS = ("用友", "金蝶", "鼎捷", "SAP", "浪潮", "赛意")
REJECT_COMMENTS = ("需求匹配度评估依据不足，请补充客户访谈记录后重新提交",
                   "预算来源不清楚，请先确认客户的预算审批情况")
RESOLUTIONS = {  # notes.OBJECTIONS -> how it was answered
    "价格": "已提交分项报价和ROI测算，并申请到5%的商务折扣，客户接受",
    "周期": "已给出分期上线计划，核心模块8周上线，客户认可",
    "数据迁移": "已安排数据迁移演练并提供回滚方案，客户放心",
    "分三期": "财务已同意按3-4-3分三期付款",
    "免费运维": "已申请到首年免费运维，写入合同附件",
    "需求变更": "已更新需求确认单，新增工厂作为二期范围单独报价",
    "新领导": "已通过原对接人引荐，向新领导做了项目背景简报",
}


def resolution(rng: random.Random, objection: str) -> str:
    for key, text in RESOLUTIONS.items():
        if key in objection:
            return text
    return rng.choice(("已书面答复，客户认可", "已在周例会上解释清楚，客户无异议"))


def interview(rng: random.Random, *, pain: str, product: str, timeline: str, decider: str, influencer: str,
              company: str) -> dict[str, str]:
    values = {"pain": pain, "product": product, "timeline": timeline, "decider": decider,
              "influencer": influencer, "company": company}
    return {f"interview_{k}": rng.choice(v).format(**values) for k, v in
            (("why", WHY), ("what", WHAT), ("who", WHO), ("where", WHERE), ("how", HOW))} | {
        "interview_when": f"计划{timeline}启动，{rng.choice(('年内上线', '旺季前上线', '半年内完成一期'))}"}


def proposal(rng: random.Random, *, pain: str, product: str, wan: int) -> dict[str, str]:
    months = rng.randint(10, 24)
    saving = max(10, wan * rng.randint(4, 9) // 10)
    return {"proposal_solution": rng.choice(SOLUTION).format(pain=pain, product=product),
            "proposal_implementation_path": rng.choice(PATH),
            "proposal_roi": rng.choice(ROI).format(wan=wan, months=months, saving=saving)}


def commitment(rng: random.Random, *, day: str, title: str, name: str) -> str:
    return rng.choice(COMMITMENT).format(day=day, title=title, name=name)


def success_points(rng: random.Random) -> str:
    return "\n".join(rng.sample(SUCCESS, k=rng.randint(2, 3)))


def loss_analysis(rng: random.Random, reason: str) -> dict[str, str]:
    competitor, real, weakness = LOSS[reason]
    return {"loss_competitor_advantage": rng.choice(competitor).format(competitor=rng.choice(COMPETITORS)),
            "loss_real_reason": rng.choice(real), "loss_our_weakness": rng.choice(weakness)}
