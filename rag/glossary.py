"""English policy vocabulary → the Chinese terms government work reports use for it.

BM25 finds nothing for English words in Chinese text. This general-purpose glossary of report
vocabulary (not of any question set) gives an English question a Chinese lexical side, so that
"air quality" also matches 空气质量/大气 and "new urban jobs" matches 城镇新增就业.
"""

from __future__ import annotations

import re

GLOSSARY: dict[str, str] = {
    # economy and targets
    "gdp": "地区生产总值 生产总值 GDP", "gross domestic product": "地区生产总值", "economic output": "地区生产总值 经济总量",
    "economic growth": "经济增长 地区生产总值增长", "growth": "增长", "grow": "增长", "target": "目标 预期目标",
    "targets": "目标 预期目标", "goal": "目标", "expected": "预期", "industrial": "工业 规模以上工业",
    "value added": "增加值", "industrial output": "规模以上工业增加值", "fixed asset": "固定资产投资",
    "fixed-asset": "固定资产投资", "investment": "投资", "retail": "社会消费品零售总额 消费",
    "consumer goods": "社会消费品零售总额", "consumption": "消费", "fiscal revenue": "一般公共预算收入 财政收入",
    "revenue": "收入 财政收入", "budget": "预算", "public budget": "一般公共预算", "income": "收入 可支配收入",
    "disposable income": "人均可支配收入", "per capita": "人均", "cpi": "居民消费价格", "consumer prices": "居民消费价格",
    "prices": "价格", "inflation": "居民消费价格 涨幅", "exports": "出口 进出口", "imports": "进口 进出口",
    "foreign trade": "外贸 进出口", "trade": "贸易 进出口 外贸", "foreign investment": "外资 利用外资",
    "tax": "税收 减税降费", "debt": "债务 专项债", "special bonds": "专项债", "bonds": "债券 专项债",
    "enterprises": "企业", "companies": "企业", "businesses": "企业 市场主体", "market entities": "市场主体",
    "private economy": "民营经济", "smes": "中小企业", "business environment": "营商环境",
    "projects": "项目", "signed": "签约 签约资金", "sign": "签约", "signing": "签约", "contracts": "签约 合同",
    "attract": "招商引资 引进", "attracted": "招商引资 到位资金 引进", "investment attraction": "招商引资",
    "households": "户", "clean heating": "清洁取暖", "heating upgrades": "清洁取暖 改造", "moved into": "入驻",
    "settled": "入驻 落户", "school places": "学位", "places": "学位", "livelihood projects": "民生实事",
    "practical projects": "民生实事 实事", "practical things": "民生实事 实事", "visitors": "游客", "key projects": "重点项目", "major projects": "重大项目", "industrial park": "园区 产业园",
    "parks": "园区 公园", "manufacturing": "制造业", "digital economy": "数字经济", "services": "服务业",
    "service industry": "服务业 第三产业", "tourism": "旅游 文旅", "tourists": "游客 旅游", "culture": "文化",
    "agriculture": "农业", "grain": "粮食", "grain output": "粮食 总产量", "farmland": "耕地 高标准农田",
    "farmers": "农民 农村居民", "rural": "农村 乡村", "rural revitalization": "乡村振兴", "poverty": "脱贫 贫困",
    "poverty alleviation": "脱贫攻坚", "livestock": "畜牧 养殖", "new energy": "新能源", "energy": "能源",
    "photovoltaic": "光伏", "solar": "光伏 太阳能", "wind power": "风电", "hydrogen": "氢能", "lithium": "锂电",
    "carbon": "碳 碳达峰 碳中和", "carbon peak": "碳达峰", "carbon neutrality": "碳中和", "innovation": "创新 科技创新",
    "technology": "科技 技术", "high-tech": "高新技术", "research": "研发", "r&d": "研发", "talent": "人才",
    "talents": "人才", "universities": "高校 大学",
    # society
    "jobs": "就业 新增就业", "employment": "就业", "new jobs": "新增就业", "urban jobs": "城镇新增就业",
    "unemployment": "失业率 登记失业率", "education": "教育", "schools": "学校", "kindergartens": "幼儿园",
    "health": "卫生 健康 医疗", "healthcare": "医疗 卫生", "hospitals": "医院", "medical": "医疗", "elderly": "养老 老年",
    "elderly care": "养老", "pension": "养老保险 养老", "housing": "住房 安居", "shantytown": "棚户区",
    "old residential": "老旧小区", "old neighborhoods": "老旧小区", "renovation": "改造", "social security": "社会保障 社保",
    "people's livelihood": "民生", "livelihood": "民生 民生实事", "practical matters": "民生实事 实事",
    "minimum wage": "最低工资", "childcare": "托育", "sports": "体育", "safety": "安全 安全生产",
    "production safety": "安全生产", "epidemic": "疫情", "covid": "疫情 新冠", "pandemic": "疫情",
    "ethnic unity": "民族团结", "community": "社区", "governance": "治理 社会治理", "public security": "治安 平安",
    "water supply": "供水", "heating": "供暖 供热", "gas": "燃气 天然气", "natural gas": "天然气",
    # environment and cities
    "air quality": "空气质量 大气 优良天数 蓝天", "air pollution": "大气污染 大气", "air": "空气 大气",
    "pollution": "污染 污染防治", "blue sky": "蓝天", "good air days": "优良天数", "water quality": "水质",
    "rivers": "河流 河湖", "river": "河 河湖 黄河", "lakes": "湖泊 河湖", "yellow river": "黄河", "ecology": "生态",
    "ecological": "生态", "environment": "环境 生态环境", "environmental": "环境 生态环境", "greening": "绿化 国土绿化",
    "afforestation": "造林 国土绿化", "trees": "植树 造林", "forest": "森林 林", "forest coverage": "森林覆盖率",
    "grassland": "草原", "wetland": "湿地", "garbage": "垃圾", "waste": "垃圾 废物", "sewage": "污水",
    "emissions": "排放 减排", "national park": "国家公园", "transport": "交通", "transportation": "交通",
    "roads": "道路 公路", "highway": "高速公路 公路", "railway": "铁路 高铁", "high-speed rail": "高铁", "airport": "机场",
    "metro": "地铁 轨道交通", "subway": "地铁", "logistics": "物流", "urban renewal": "城市更新", "urbanization": "城镇化",
    "infrastructure": "基础设施", "5g": "5G 基站", "broadband": "宽带",
    # government
    "reform": "改革", "opening up": "开放 对外开放", "government": "政府", "rule of law": "法治 依法行政",
    "corruption": "廉政 腐败", "integrity": "廉洁 廉政", "work style": "作风", "efficiency": "效能 效率",
    "services for the public": "政务服务", "government services": "政务服务", "administrative": "行政",
    "promise": "将 计划 目标", "pledge": "将 确保", "plan": "计划 安排 将", "plans": "计划 安排", "achieved": "完成 实现",
    "completed": "完成 建成", "built": "建成 新建", "new": "新建 新增", "increase": "增长 提高", "reduce": "降低 减少",
}

_KEYS = sorted(GLOSSARY, key=len, reverse=True)
_PATTERN = re.compile(r"\b(" + "|".join(re.escape(k) for k in _KEYS) + r")\b", re.I)


def chinese_terms(question: str) -> str:
    """The Chinese report vocabulary for the English words of a question ('' when none match)."""
    return " ".join(GLOSSARY[m.group(1).lower()] for m in _PATTERN.finditer(question))
