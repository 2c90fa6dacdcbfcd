"""The Chinese words of the home page's figures, the audit charts and the five-gap pages
(labels.py merges them into its table; English is the key)."""

from __future__ import annotations

ZH_CN_DASHBOARDS: dict[str, str] = {
    # the home page's "where we stand" (dashpages.py)
    "Where we stand": "当前状况",
    "Each figure against the period before it; each links to its page.":
        "每个数字都与上一期对比，并链接到其详细页面。",
    "KPIs on target": "达标的指标", "KPIs off target": "未达标的指标",
    "KPIs with a signal": "出现信号的指标", "KPIs without data": "没有数据的指标",
    "latest month": "最近一个月", "SERVQUAL score": "SERVQUAL 得分",
    "Open CAPAs": "未关闭的纠正措施",
    "All sites": "全部站点",
    "Compliance per quarter: all sites, and the {n} sites lowest in their latest quarter":
        "各季度符合率：全部站点，以及最近一季符合率最低的 {n} 个站点",
    "today": "今天", "Figure": "指标", "Now": "本期", "As of": "期间", "Before": "上期",
    "Difference": "变化",
    "The five gaps now: each gap's standards, findings, KPIs and survey scores":
        "五个差距的现状：各差距的标准、发现、指标和调查得分",
    # a standard's latest results (standardresults.py)
    "Latest results": "最新结果", "Monthly means": "月平均值趋势", "no-data": "无数据",
    "{metric}: monthly means, {first} to {last}": "{metric}：月平均值，{first} 至 {last}",
    # an audit's summary line (views.audit_summary)
    "{conform} conform, {nonconform} nonconform, {na} not applicable; score {score}":
        "符合 {conform} 项，不符合 {nonconform} 项，不适用 {na} 项；得分 {score}",
    # the SQI by week and day (servicepages.py)
    "Service quality index by week": "按周服务质量指数",
    "Service quality index by day": "按日服务质量指数",
    "Figures by week": "按周数据", "Figures by day": "按日数据", "Week": "周", "Day": "日",
    # the audit charts (auditcharts.py)
    "per cent conforming": "符合百分比", "Findings by grade and site": "按等级和站点统计的发现",
    "findings": "发现", "Open CAPAs by age": "未关闭纠正措施的时长", "{bucket} days": "{bucket} 天",
    "Age": "时长", "CAPA ageing": "纠正措施时长",
    "Days since the audit that raised each finding whose CAPA is not closed.":
        "自提出发现的审核以来的天数（仅统计纠正措施未关闭的发现）。",
    # the five gaps (gappages.py, gapdiagram.py)
    "The five gaps": "五个服务质量差距", "Each gap now": "各差距现状",
    "{n} open findings": "{n} 项未关闭的发现", "{n} KPIs off target": "{n} 个指标未达标",
    "no survey waves": "尚无调查批次", "change {change}": "变化 {change}", "Name": "名称",
    "Overdue actions": "逾期行动", "Open findings": "未关闭的发现", "Survey": "调查", "on": "对比",
    "Customer": "顾客", "Provider": "服务提供方", "Expected service": "期望的服务",
    "Perceived service": "感知的服务", "Service delivery": "服务传递",
    "Customer-driven service designs and standards": "以顾客为导向的服务设计和标准",
    "Management perceptions of customer expectations": "管理层对顾客期望的认识",
    "External communications to customers": "与顾客的外部沟通",
    "knowledge gap": "认知差距", "standards gap": "标准差距", "delivery gap": "传递差距",
    "communication gap": "沟通差距", "customer gap": "顾客差距",
    "knowledge gap: customers' expectations vs management's view of them":
        "认知差距：顾客的期望与管理层对其的认识",
    "standards gap: management's view vs the service standards": "标准差距：管理层的认识与服务标准",
    "delivery gap: the standards vs the service delivered": "传递差距：服务标准与实际提供的服务",
    "communication gap: the service delivered vs what is promised":
        "沟通差距：实际提供的服务与对外承诺",
    "customer gap: expected vs perceived service (SERVQUAL)":
        "顾客差距：期望的服务与感知的服务（SERVQUAL）",
    "Expected and perceived service on the customer's side; delivery, designs and standards, "
    "management's perceptions and external communications on the provider's side.":
        "顾客一方是期望的服务和感知的服务；服务提供方是服务传递、服务设计和标准、"
        "管理层的认识以及外部沟通。",
}
