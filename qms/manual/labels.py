"""The manual's own words in each language it speaks (qms.yaml `manual.language`).

English is the key; a language missing a word falls back to English, so a new label never
breaks a build. Sphinx translates its own strings (search page, navigation) itself.
"""

from __future__ import annotations

from collections.abc import Callable

from qms.manual.dashlabels import ZH_CN_DASHBOARDS

ZH_CN: dict[str, str] = {
    # navigation and page titles
    "Home": "首页", "Standards": "服务标准", "Standards by encounter": "按服务接触点查看标准",
    "Standards by owner": "按负责部门查看标准", "Standards by dimension": "按服务质量维度查看标准",
    "Standards by gap": "按差距查看标准", "Archive: retired standards": "归档：已废止的标准",
    "Planning": "服务质量规划", "Checklists": "审核检查表", "Audits": "审核",
    "Findings register": "不符合项登记册", "Compliance": "符合率", "Sites": "门店与站点",
    "Traceability": "可追溯性", "Traceability matrix": "可追溯性矩阵", "Coverage": "审核覆盖",
    "ISO 9001:2015 clause map": "ISO 9001:2015 条款对照",
    # fields
    "Id": "编号", "Title": "标题", "Status": "状态", "Owner": "负责部门", "Encounter": "服务接触点",
    "Type": "类型", "Gap": "差距", "Dimensions": "维度", "Dimension": "维度",
    "Statement": "标准说明", "Do": "应该做", "Don't": "不应该做", "Measures": "测量指标",
    "Measure": "指标", "Metric": "衡量内容", "Target": "目标", "Unit": "单位", "Source": "数据来源",
    "Frequency": "频率", "ISO 9001 clauses": "ISO 9001 条款", "Clause": "条款",
    "Planning items": "规划项目", "Planning item": "规划项目", "Checklist questions": "审核问题",
    "Checklist": "检查表", "Question": "问题", "Findings": "不符合项与发现", "Finding": "发现",
    "Review and approval": "评审与批准", "Last reviewed": "上次评审", "Next review due": "下次评审",
    "Approved by": "批准人", "Approved on": "批准日期", "Effective": "生效日期",
    "Revision history": "修订历史", "Date": "日期", "Author": "作者", "Change": "变更说明",
    "Commit": "提交", "Category": "类别", "Objective": "目标", "Actions": "行动",
    "Action": "行动", "Due": "到期", "Implemented by": "实施标准", "Method": "审核方法",
    "Questions": "问题", "Ask": "问题", "Guidance": "审核指引", "Evidence": "证据",
    "Site": "站点", "Auditors": "审核员", "Started": "开始", "Completed": "完成",
    "Answers": "回答", "Result": "结果", "Note": "备注", "Grade": "等级", "CAPA": "纠正预防措施",
    "CAPA state": "纠正措施状态", "Audit": "审核", "Standard": "标准", "Answered": "已回答",
    "Conforming": "符合", "Rate": "符合率", "Period": "期间", "Total": "合计", "Count": "数量",
    "Open": "未关闭", "Overdue": "已逾期", "overdue": "已逾期", "in progress": "进行中",
    "changed since audited": "审核后已变更", "changed since approval": "批准后已变更",
    "review overdue": "评审逾期", "none": "无", "no CAPA": "无纠正措施", "All": "全部",
    "Standards no question audits": "没有审核问题覆盖的标准",
    "Questions that audit retired standards": "审核已废止标准的问题",
    "Open findings, not overdue": "未关闭且未逾期的发现", "Overdue CAPAs": "逾期的纠正措施",
    "Findings by grade": "按等级统计", "Findings by site": "按站点统计",
    "Compliance per standard": "各标准符合率",
    "Compliance per site and quarter": "各站点季度符合率",
    "Standards by clause": "按条款查看标准", "not audited yet": "尚未审核",
    "History unavailable (not a git repository).": "无法显示修订历史（不是 git 仓库）。",
    "No revisions committed yet.": "尚无提交记录。", "None.": "无。",
    "No gap": "未指定差距", "Retired standards": "已废止的标准",
    "{id} (retired)": "{id}（已废止）",
    "Link to this heading": "链接到此标题。",
    # enumerations
    # how often a measure is taken (a measure's frequency, as commonly written)
    "daily": "每日", "weekly": "每周", "monthly": "每月", "quarterly": "每季度",
    "per season": "每季", "yearly": "每年", "annually": "每年", "per shift": "每班",
    "draft": "草稿", "approved": "已批准", "retired": "已废止", "hard": "硬标准", "soft": "软标准",
    "tangibles": "有形性", "reliability": "可靠性", "responsiveness": "响应性",
    "assurance": "保证性", "empathy": "移情性",
    "service-concept": "服务理念", "expectation-management": "期望管理",
    "outcome-management": "结果管理", "internal-marketing": "内部营销",
    "tangible-evidence": "有形展示", "information-technology": "信息技术",
    "customer-participation": "顾客参与",
    "conform": "符合", "nonconform": "不符合", "not-applicable": "不适用",
    "open": "未处理", "contained": "已遏制", "root-cause-found": "已找到根本原因",
    "action-planned": "已计划措施", "implemented": "已实施", "verified": "已验证",
    "closed": "已关闭", "done": "已完成", "dropped": "已取消",
    "observation": "观察", "interview": "访谈", "records": "记录检查",
    "mystery-shopping": "神秘顾客", "containment": "遏制措施", "root cause": "根本原因",
    "action": "纠正措施", "effective": "有效", "not-effective": "无效",
    # home page
    "About this manual": "关于本手册", "Find your encounter": "找到您的服务接触点",
    "The five-gap model": "服务质量差距模型",
    "The five service-quality dimensions": "服务质量的五个维度",
    "What is in this manual": "本手册包含什么",
    "This manual holds the service standards of {org}: what staff do, and do not do, at each "
    "service encounter, how each standard is measured, and where each one stands in audits.":
        "本手册收录{org}的服务标准：员工在每个服务接触点应该做什么、不应该做什么，"
        "每项标准如何衡量，以及每项标准在审核中的情况。",
    "Open the list of encounters, pick the moment of service you work in, and read its "
    "standards: each page has a do and don't table and the measures that show whether it is met.":
        "打开服务接触点列表，选择您工作的服务环节，阅读该环节的标准：每页都有"
        "“应该做／不应该做”对照表，以及衡量标准是否达成的指标。",
    "Pick the moment of service you work in and read its card: every standard of that moment "
    "with what to do and what not to do, on one printable page. The encounters are in the order "
    "a customer meets them.":
        "选择您工作的服务环节，阅读它的服务卡：该环节的每项标准，应该做什么、不应该做什么，"
        "一页即可打印。服务接触点按顾客经历的先后排列。",
    "Other encounters": "其他服务接触点", "More ways to find a standard": "查找标准的其他方式",
    "{journey}, step {number} of {of}": "{journey}：第 {number} 步，共 {of} 步",
    "Service quality fails where the company's view and the customer's differ. The customer gap "
    "(expected against perceived service) closes when four company gaps close:":
        "当公司的认识与顾客的感受不一致时，服务质量就会出问题。顾客差距（期望的服务与感知的服务之差）"
        "要靠缩小四个公司差距来弥合：",
    "Gap 1, listening: not knowing what customers expect.": "差距1，倾听差距：不了解顾客的期望。",
    "Gap 2, design and standards: not turning expectations into the right service designs "
    "and standards.": "差距2，设计与标准差距：没有把顾客期望转化为正确的服务设计和标准。",
    "Gap 3, performance: not delivering to the standards.":
        "差距3，服务绩效差距：没有按标准提供服务。",
    "Gap 4, communication: not matching performance to promises.":
        "差距4，沟通差距：服务表现与承诺不一致。",
    "Customers judge service on five dimensions (SERVQUAL):":
        "顾客从五个维度评价服务（SERVQUAL）：",
    "Tangibles: the appearance of facilities, equipment, staff and materials.":
        "有形性：设施、设备、员工和资料的外观。",
    "Reliability: doing what was promised, dependably and accurately.":
        "可靠性：可靠、准确地履行服务承诺。",
    "Responsiveness: being willing to help and giving prompt service.":
        "响应性：乐于帮助顾客并迅速提供服务。",
    "Assurance: knowledge and courtesy of staff that inspire trust and confidence.":
        "保证性：员工的知识和礼貌使顾客信任。",
    "Empathy: caring, individual attention to each customer.": "移情性：关心顾客，给予个别关注。",
    "Standards by encounter, owner, dimension and gap; retired standards in the archive.":
        "按服务接触点、负责部门、维度和差距查看标准；已废止的标准在归档中。",
    "Planning items in the seven areas, with their actions and due dates.":
        "七个领域的服务质量规划项目及其行动和期限。",
    "Audit checklists, audits, the findings register and compliance.":
        "审核检查表、审核记录、不符合项登记册和符合率。",
    "Traceability from standards to checklists and ISO 9001 clauses.":
        "从标准到检查表和 ISO 9001 条款的可追溯性。",
    "{n} standards": "{n} 项标准", "As of {day}": "截至 {day}",
    "conforming answers over answered questions": "符合的回答数 ÷ 已回答的问题数",
    # charts (qms/manual/charts): what they draw and say in their descriptions
    "No data yet.": "暂无数据。", "and {count} more": "另有 {count} 项", "readings": "读数",
    "centre line": "中心线", "natural process limits": "自然过程界限", "signal": "信号",
    "target {sign} {value}": "目标 {sign} {value}",
    "{count} readings from {first} to {last}, latest {latest}":
        "{first} 至 {last} 共 {count} 个读数，最新 {latest}",
    "centre line {centre}": "中心线 {centre}",
    "natural process limits {lower} to {upper}": "自然过程界限 {lower} 至 {upper}",
    "{count} signals": "{count} 个信号", "count": "数量", "cumulative share": "累计占比",
    "age in days": "天数", "{bucket} days: {count}": "{bucket} 天：{count}", "no data": "无数据",
    "{first} {start} to {last} {end}": "{first} {start} 至 {last} {end}", "to": "至",
    "importance": "重要性", "performance": "表现",
    # Martilla and James's importance–performance quadrants, by their usual Chinese names
    "Concentrate here": "重点改进区", "Keep up the good work": "继续保持区",
    "Low priority": "次要改进区", "Possible overkill": "过度投入区",
    # the measurement section (qms/manual/measurepages.py)
    "Measurement": "测量与分析",
    "Each measure's readings against its target, with its XmR chart.":
        "各指标的读数与目标对照及其 XmR 控制图。", "Readings": "读数", "By site": "按门店与站点",
    "by site": "按门店与站点", "By site and month": "按门店与站点和月份", "Month": "月份",
    "Mean": "平均值", "Last": "最新值", "State": "状态", "Centre line": "中心线",
    "Limits": "界限", "Signals": "信号", "Latest reading": "最新读数",
    "on-target": "达标", "off-target": "未达标", "no-target": "无目标",
    "No measure has readings yet.": "还没有任何指标的读数。",
    "Service quality index": "服务质量指数", "Service quality index by month": "按月服务质量指数",
    "SQI per 100 units": "每百单位服务质量指数", "points per 100 units": "每百单位失误分",
    "Failure points by category": "按类别的失误分", "Failures": "失误次数", "Points": "失误分",
    "Volume": "业务量", "Weight": "权重", "Share": "占比",
    "Cumulative share": "累计占比",
    "Failures weighted by how much each one hurts customers (qms.yaml sqi.weights), per 100 "
    "units of work.": "按每类失误对顾客的影响加权（qms.yaml 的 sqi.weights），每百单位业务量计。",
    "SERVQUAL wave": "SERVQUAL 调查批次", "SERVQUAL across waves": "各批次 SERVQUAL 趋势",
    "Expectation and perception by dimension": "各维度的期望与感知",
    "expectation": "期望", "perception": "感知", "Expectation": "期望", "Perception": "感知",
    "Item gaps with 95 % intervals": "各题项差距及 95% 置信区间", "Item": "题项",
    "gap (perception − expectation)": "差距（感知 − 期望）", "gap": "差距",
    "Importance and performance": "重要性与表现", "Respondents": "受访者", "Alpha (E)": "α（期望）",
    "Alpha (P)": "α（感知）", "Importance": "重要性", "Quadrant": "象限",
    "95 % interval": "95% 置信区间", "Gap by dimension and wave": "各维度各批次的差距",
    "Wave": "批次", "Unweighted score": "未加权得分", "Weighted score": "加权得分",
    "concentrate here": "重点改进区", "keep up the good work": "继续保持区",
    "low priority": "次要改进区", "possible overkill": "过度投入区",
    "Each measure with readings has a page: its XmR chart (centre line, natural process "
    "limits, target and signals), the sites side by side on one scale, and the figures per "
    "site and month.":
        "每个有读数的指标都有一页：XmR 控制图（中心线、自然过程界限、目标和信号）、"
        "各门店与站点在同一刻度上的并列小图，以及按门店与站点和月份的数据。",
    # the staff edition
    "This manual holds the service standards of {org}: what staff do, and do not do, at each "
    "service encounter, and how each standard is measured.":
        "本手册收录{org}的服务标准：员工在每个服务接触点应该做什么、不应该做什么，"
        "以及每项标准如何衡量。",
    "Edition": "版次", "Last change": "最近一次修改",
    "{date}, edition {edition}": "{date}，第 {edition} 版",
}

ZH_CN.update(ZH_CN_DASHBOARDS)
# English words for the format's enumeration values that are page titles (planning areas).
EN: dict[str, str] = {
    "service-concept": "Service concept", "expectation-management": "Expectation management",
    "outcome-management": "Outcome management", "internal-marketing": "Internal marketing",
    "tangible-evidence": "Tangible evidence", "information-technology": "Information technology",
    "customer-participation": "Customer participation",
}
LANGUAGES = {"en": EN, "zh_CN": ZH_CN}


def translator(language: str) -> Callable[..., str]:
    """A function that translates a label (and fills `{name}` fields) into the language."""
    table = LANGUAGES.get(language, {})

    def translate(text: str, **fields: object) -> str:
        """The label in the manual's language, with its fields filled in."""
        found = table.get(text, text)
        return found.format(**fields) if fields else found

    return translate
