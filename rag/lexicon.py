"""Every word list, regular expression and fixed threshold of the project that encodes how Chinese
and English questions and reports are phrased, in one room, each group saying what it is for.

These are claims about every user's question, not about our question set: an entry belongs here
only if it is general knowledge of the language or of the genre (how a government work report and
a question about one are worded). tests/test_lexicon.py pins them with tables. Calibrated numbers
(the answerability model) are not here: they are fitted on dev data by eval/calibrate.py and stored
in rag/calibration.json.
"""

from __future__ import annotations

import re

# ---------------------------------------------------------------- years
# An explicit year: "2023年", "2023 年", "in 2023", "FY2023"; four digits 2000–2099 only.
YEAR_ZH = re.compile(r"(20\d\d)\s*年")
YEAR_EN = re.compile(r"(?<![\d.])(20\d\d)(?![\d.%])")
# Years written in words, as speech comes through a voice input or as Chinese writes them in characters
# (query.written_years turns them into digits before the year is read): 二零二二年, 二〇二三年;
# "twenty twenty-two", "two thousand (and) nineteen". "twenty five" and "two thousand five hundred" are
# numbers, not years: after "twenty" only ten or more counts, and no "hundred" or "thousand" may follow.
CHINESE_DIGITS = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"零": "0"}
YEAR_IN_CHINESE_DIGITS = re.compile(r"([零〇一二三四五六七八九]{4})(?=\s*年)")
ENGLISH_ONES = dict(zip("one two three four five six seven eight nine".split(), range(1, 10), strict=True))
ENGLISH_TEENS = dict(
    zip(
        "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split(),
        range(10, 20),
        strict=True,
    )
)
ENGLISH_TENS = dict(
    zip("twenty thirty forty fifty sixty seventy eighty ninety".split(), range(20, 100, 10), strict=True)
)
_TENS = "|".join(ENGLISH_TENS)
_BELOW_HUNDRED = rf"(?:{'|'.join(ENGLISH_TEENS)}|(?:{_TENS})(?:[\s-](?:{'|'.join(ENGLISH_ONES)}))?)"
YEAR_IN_ENGLISH_WORDS = re.compile(
    rf"\b(?:twenty[\s-](?P<late>{_BELOW_HUNDRED})|two thousand(?:\s+and)?[\s-]+(?P<early>{_BELOW_HUNDRED}|"
    rf"{'|'.join(ENGLISH_ONES)}))\b(?![\s-]+(?:hundred|thousand|{'|'.join(ENGLISH_ONES)})\b)",
    re.I,
)
# Years relative to the report: the report reviews "last year" and plans "this year".
RELATIVE_LAST = re.compile(
    r"去年|上一年|上年度|上年|过去一年|过去的一年|前一年|\b(last|past|previous) year\b|\blast year's\b", re.I
)
RELATIVE_THIS = re.compile(r"今年|本年度|本年|明年|新的一年|\b(this|coming|next|the new) year\b|\bthis year's\b", re.I)

# ---------------------------------------------------------------- plan or result
# What a question asks for: a plan/target for the coming year, or a result of the year under review.
# English cues are whole words and their inflections, never another word that begins alike: trees
# "planted", a power "plant", life "expectancy", a "committee", "promising" industries plan nothing.
PLAN_CUES = re.compile(
    r"计划|目标|打算|预期|力争|安排|任务|部署|将要|将会|准备|承诺|要做|想要|想让|重点工作|怎么做|"
    r"\b(promis(?:e|es|ed)|plan(?:s|ned|ning)?|target\w*|goals?|aim(?:s|ed|ing)?|intend\w*|"
    r"expect(?:s|ed|ing|ations?)?|pledg\w*|commit(?:s|ted|ting|ments?)?|will|going to|"
    r"priorit\w*|tasks?|agenda)\b",
    re.I,
)
REVIEW_CUES = re.compile(
    r"完成了|实现了|增长了|做了|做到了|取得|成效|成绩|成果|回顾|达到了|建成了|新增了|累计|怎么样了|效果|"
    r"\b(achiev\w*|accomplish\w*|grew|rose|fell|result\w*|completed|built|created|reached|record\w*|"
    r"managed|delivered)\b",
    re.I,
)

# Past tense without a plan word ("How much did GDP grow?", "What was…") asks for a result.
PAST_TENSE = re.compile(r"\b(did|was|were|had|has been)\b", re.I)
# A question that asks whether something is so ("海西有没有提到核电站？", "Does Haixi plan any hydrogen
# projects?"): the answer is yes only if the reports name what it asks about. Chinese by its A-not-A and
# 是否/吗 forms; English by the auxiliary verb it opens with.
ASKS_WHETHER = re.compile(
    r"有没有|是否|会不会|能不能|是不是|要不要|有无|吗\s*(?:[？?]|$)|"
    r"(?:^|[.?!]\s)\s*(?:does|did|do|is|are|was|were|will|has|have|had|can|could|would|should)\b",
    re.I,
)
# A question that compares ("哪个更快", "比…高", "Did Lanzhou grow faster than Dingxi?", "compare"): when
# one of the places compared has no report, the comparison cannot be made from the reports.
# comparatives that, with an "or" after them, ask which of two ("Which grew faster, Dingxi or Longnan?")
_COMPARING_EN = "faster slower higher lower more fewer less better worse".split()
COMPARES = re.compile(
    r"哪个|哪一个|哪座|谁的|相比|比较|对比|更高|更低|更快|更慢|更多|更少|高于|低于|快于|慢于|超过|"
    rf"\b(compare[sd]?|comparison|than|versus|vs\.?)\b|\b({'|'.join(_COMPARING_EN)})\b.*\bor\b",
    re.I,
)
# Comparative words in a question that compares (COMPARES): the comparison asked, not what is compared —
# "Which grew faster, Dingxi or Longnan?" asks about growth, and 速度/快速 are no topic of it
_COMPARATIVE_EN = [
    *_COMPARING_EN,
    *"quicker bigger larger smaller greater cleaner dirtier richer poorer cheaper longer shorter".split(),
    *"stronger weaker".split(),
]
COMPARATIVES = re.compile(
    rf"\b({'|'.join(_COMPARATIVE_EN)})\b|[更较](高|低|快|慢|多|少|大|小|好|差|强|弱)",
    re.I,
)
# jieba's part-of-speech tags of words that name things (nouns, names, noun-like verbs 投资, fixed
# phrases 粮食产量): what a yes/no question asks about, as opposed to what it says is done (建设, 通过)
NOMINAL_POS = frozenset("n nz nr ns nt ng nrt nrfg vn an l i j s".split())
# The most items of a "：A；B；C。" enumeration a list answer quotes whole (a longer run is a section, not a list).
ENUMERATION_MAX_ITEMS = 12
# A question that asks for several items ("有哪些", "what are the main tasks").
LIST_CUES = re.compile(
    r"哪些|有什么|列举|几个方面|哪几|包括什么|都有|\b(what are|which|list|main (tasks|targets|measures|goals)|"
    r"key (tasks|targets|measures|projects)|measures|tasks|steps|projects)\b",
    re.I,
)
# Section headings that introduce a list of tasks: a list question is answered from the items of such a section.
LIST_SECTION = re.compile(r"任务|重点|工作|方面|实事|举措|措施")
# What a Chinese list question asks for is the noun at its cue ("有哪些重点任务", "十件民生实事是什么",
# "重点产业链分别是哪些"): the words after the cue, else those before it less the copula. Only when that
# noun ends in a kind of list (LIST_SECTION at its end: 任务, not 重点产业链 or 重点项目) are the items of a
# section the answer.
LIST_ASKED_CUE = re.compile(r"哪些|哪几[个条项件类]?|什么|有何")
LIST_ASKED_COPULA = re.compile(r"(?:分别|都|主要|具体|一共|共)?(?:是|有|包括|包含)?$")
LIST_KIND_HEAD = re.compile(rf"(?:{LIST_SECTION.pattern})$")
# A question that asks for a figure: sentences with digits are preferred (哪几 asks which, not how many).
ASKS_NUMBER = re.compile(
    r"多少|(?<!哪)几|百分之|比例|增长.{0,4}[？?]|增速|涨|目标是|\bhow (many|much|fast)\b|"
    r"\bwhat (percentage|share|rate|number)\b|\b(rate|growth|percent|number|figure|by how)\b|"
    r"\b(amount|total|how (big|large|high|long)|yuan)\b",
    re.I,
)

# The words of an English place name that say what kind of division it is, not which ("Anhui
# Province" is Anhui); "Autonomous" comes before one of the others.
DIVISION_KINDS = ("Prefecture", "County", "District", "City", "Province", "Region", "Banner", "League")
DIVISION_KIND_WORDS = frozenset(("Autonomous", *DIVISION_KINDS))
_DIVISION_KIND = rf"\s+(?:Autonomous\s+)?(?:{'|'.join(DIVISION_KINDS)})\b"
# The kind of division written right after an English place name ("Yuanzhou District", "Huan County's"):
# the place is named as a division, not as a thing or area that bears its name
DIVISION_KIND_AFTER = re.compile(_DIVISION_KIND, re.I)
# An English place name the gazetteer does not know, known by what follows it: "Golog Prefecture",
# "Jyekundo County" (Tibetan and Mongolian exonyms are not pinyin). The name is the one capitalised
# word before the division word (and any "Autonomous"), when it is no ordinary English word.
ENGLISH_DIVISION_NAME = re.compile(r"\b([A-Z][a-z]+(?:['’-][a-z]+)?)(?:['’]s)?" + _DIVISION_KIND)

# Kinds of named feature: a place name followed by one of them names the feature, not the place
# ("Jiaozhou Bay", "Longzi Lake", "Mudan Airport", "Maiji Mountain").
ENGLISH_FEATURE_WORDS = frozenset(
    "lake bay river mountain mountains mount hill hills valley gorge canyon island islands peninsula harbour "
    "harbor port airport station railway road street avenue bridge tunnel park temple grottoes grotto "
    "cave caves wetland reservoir dam desert grassland forest scenic university college hospital".split()
)

# Where the asker lives or works, said before a place ("我妈一个人住在肃州区", "我住菏泽牡丹区", "we live in
# Chengdong District"): a district so named beside its city only says where the asker is; the city's
# report is what is asked (query._other_places). Matched against the text just before the name.
RESIDENCE_BEFORE = re.compile(
    r"(?:住在|住|家在|家住|老家在?|来自|生活在|定居在?|搬到了?|搬来|落户在?|在)\s*$|"
    r"\b(?:live|lives|living|lived|reside|resides|residing|moved|move|moving|based|settled|staying|stay|"
    r"work|works|working)\s+(?:in|to|near|at|out\s+in)\s+(?:the\s+)?$",
    re.I,
)
# ...and what may follow it when the text before is a bare 在 ("在肃州区上班"): a 在 before a place
# says where the asker is only when a verb of living or working follows
RESIDENCE_AFTER = re.compile(r"^\s*(?:上班|工作|打工|生活|居住|住|安家|定居|读书|上学)")

# An indexed place's English or pinyin name typed with one slip ("yinchaun", "Jiuqian") is read as that
# place only in a word this long: shorter words are one slip from too many others
PLACE_TYPO_MIN_LETTERS = 5

# A route named by the two places it joins (query.route_names): what stands between their names
# ("Jinan–Zhengzhou", "Tianshui-Longnan", "from Xining to Chengdu", "济南至郑州"), and the words the reports
# put after the names' first characters (济郑高铁, 西成铁路, 包银高铁: railways, roads, canals and pipes are
# named so). A hyphen between two capitalised words is read as a dash first ("Tianshui-Longnan").
ROUTE_JOINER = re.compile(r"\s*(?:[–—-]|至|到|\bto\b)\s*")
ROUTE_HYPHEN = re.compile(r"(?<=[a-z])-(?=[A-Z])")
ROUTE_KINDS = ("铁路", "高铁", "城际", "客专", "高速", "公路", "运河", "管道", "输气", "输电")

# What stands between a part of a place and its place's name when the place only says where the part is
# (query._apart_from): "Lixia District in Jinan", "Jinan's Lixia", "Kongtong District, Pingliang",
# "Huangzhong District near Xining", "济南市历下区", "西宁的湟中"; any other words between them, and the
# place is asked on its own ("Haidong's plan … from Huzhu")
PLACE_LOCATOR = re.compile(
    r"\s*(?:['’]s|的)?\s*(?:(?:(?:district|county|city|prefecture|town|township|area|new\s+area)(?:['’]s)?|of|in|"
    r"near|outside|under|within|part\s+of|,|，|、|\(|\)|（|）)\s*)*",
    re.I,
)

# What may stand between a known place and a division word in its full English name ("Haixi Mongol and
# Tibetan Autonomous Prefecture"): capitalised words and "and" — the words before the division word
# are then that place's name, not another place's.
PLACE_NAME_TAIL = re.compile(r"(?:\s+(?:[A-Z][\w'’-]*|and))*\s*")

# A figure as the reports write one: a number followed by a measure word or unit (9000人, 1.2万亿元, 6.5%,
# 3个百分点), not a year (2023年) and not part of a name (5G, G571); or a round magnitude in characters
# reached or passed (产业营收突破千亿元, 超百亿元, 达十万亩) — not a scale aimed at (打造千亿级产业集群).
QUANTITY = re.compile(
    r"(?<![A-Za-z0-9.])(?!(?:19|20)\d\d年)(?:\d+(?:\.\d+)?|(?<=[超破达过逾近])[十百千](?=[万亿]))(?:%|％|[\u4e00-\u9fff])"
)
# Where a figure belongs to a word: the same clause (城镇新增就业9000人 — 就业's figure; not a figure
# two commas away).
CLAUSE_BREAK = re.compile(r"[，,；;。：:！!？?\n]")
# a figure's magnitude words, between the number and its unit (87亿元, 1.2万人)
MAGNITUDE = "十百千万亿"
# The unit a Chinese question asks its figure in: the character after 多少/几 and any magnitude
# (多少元, 多少亿元, 多少人次, 几个, 多少套). A figure in another unit does not answer it: growth in %
# when 多少亿元 is asked, a count of projects when 多少人次 is asked.
ASKED_UNIT = re.compile(rf"(?:多少|(?<!哪)几)[{MAGNITUDE}]*([\u4e00-\u9fff%％])")
# spoken words for a unit, as the reports write it (多少钱 → 元; 几成 → %)
UNIT_WRITTEN = {"钱": "元", "块": "元", "成": "%", "％": "%"}
# the same in an English question: the units of measure it names, as the reports write them (a closed
# class: money, share, length, weight, land, power); "square" and "cubic" before a length ask its area
# and volume (ENGLISH_UNIT_PREFIX); a unit after "per" divides another ("micrograms per cubic metre",
# "yuan per mu") and is not the unit asked
ENGLISH_UNIT = {
    "yuan": "元",
    "percent": "%",
    "percentage": "%",
    "km": "公里",
    "kilometre": "公里",
    "kilometres": "公里",
    "kilometer": "公里",
    "kilometers": "公里",
    "metre": "米",
    "metres": "米",
    "meter": "米",
    "meters": "米",
    "tonne": "吨",
    "tonnes": "吨",
    "ton": "吨",
    "tons": "吨",
    "mu": "亩",
    "hectare": "公顷",
    "hectares": "公顷",
    "kilowatt": "千瓦",
    "kilowatts": "千瓦",
    "kw": "千瓦",
}
ENGLISH_UNIT_PREFIX = {"square": "平方", "cubic": "立方"}
# characters that follow 多少/几 without being a unit: 多少的, 几年来 are not asked figures
NOT_A_UNIT = frozenset("的是了呢吗啊呀")
# "What was Jinan's GDP?" asks for a figure without 多少 or "how much": a question asking what something
# is or was, about a term the reports state with figures (Catalog.is_indicator: at least INDICATOR_SHARE of
# its at least INDICATOR_MIN_COUNT uses have a number in the same clause, within a few characters: 地区生产总值
# 0.89, 产值 0.85, 粮食产量 0.75; 空气质量 0.69, 旅游收入 0.62, 旅游 0.10 are themes, or figures only at times);
# anywhere in the question, where spoken openers ("hey what was …") and second clauses ("…, and what is
# the target?") put it
ASKS_VALUE = re.compile(r"\bwhat(?:'s|’s| is| was| were| are)\b", re.I)
INDICATOR_SHARE = 0.75
INDICATOR_MIN_COUNT = 5
INDICATOR_FIGURE_AFTER = r"[^，,；;。：:！!？?\n]{0,12}?\d"
# A figure question asks for a level (地区生产总值是多少, "How many billion yuan was Hunchun's GDP?") or for
# a change or a rate (增长多少, "How fast did it grow?", 失业率, "what share"). A change ("地区生产总值增长4%")
# gives no level, so it is no figure for a level question (answerability.Topic.figure_coverage); plans state
# their targets as changes, so a plan question is never read as asking a level (query.asks_level).
# English change words are whole words and their inflections: "Changsha" and fruit "growers" ask no change.
ASKS_CHANGE = re.compile(
    r"增长|增速|增幅|涨|降|提高|提升|减少|多快|幅度|率|百分|比例|比重|占比|[%％]|"
    r"\b(grow(?:s|th|ing|n)?|grew|rise|rising|rose|risen|increas\w*|fall\w*|fell|drop\w*|declin\w*|fast\w*|"
    r"rates?|percent\w*|share|proportion|ratio|chang(?:e|es|ed|ing)|boost\w*|rais\w*|expand\w*|up|down|more|"
    r"less|higher|lower)\b",
    re.I,
)
# a change as the reports write it: a change verb and its percentage or points in one clause (增长4.5%,
# 提高1.2个百分点, 同比下降3%), with the further changes of a list or range written after it (城镇、农村居民
# 人均可支配收入分别增长7.7%和8.8%; 增长7%—8%): the second figure is a change too, not a level
_CHANGE_AMOUNT = r"\d+(?:\.\d+)?(?:个百分点|[%％])"
CHANGE_FIGURE = re.compile(
    r"(?:增长|增速|增幅|提高|提升|下降|降低|减少|增加|上涨|回落|回升)[^，,；;。：:\d]{0,4}"
    rf"{_CHANGE_AMOUNT}(?:[和、与及至到—－~-]{_CHANGE_AMOUNT})*"
)
# Whether the character after 多少 is a unit is read from the reports themselves: a unit is a
# character that follows a number in at least this share of its occurrences (元 0.79, 亩 0.84, 人 0.09,
# 项 0.06, 天 0.05 in the bundled reports) and at least UNIT_MIN_COUNT times; 多少学位, 多少游客,
# 多少高标准农田 name what is counted, not the unit (学, 游, 高: 0.000), and any figure answers them.
UNIT_SHARE = 0.02
UNIT_MIN_COUNT = 3
# a number as the reports write it before its unit: digits, then any magnitude (87亿元, 1.2万人)
NUMBER_BEFORE_UNIT = rf"\d[{MAGNITUDE}]*"

# A follow-up that leaves out what the previous question said ("那海东呢？", "what about Haidong?").
FOLLOWUP = re.compile(r"^(那|那么|还有|而|和|跟|and\b|what about\b|how about\b|and in\b)", re.I)
FOLLOWUP_MAX_CHARS = 14  # a question this short leans on the previous one
# Where one sentence of a message ends and the next begins (a question that tells the asker's
# circumstances first: "我是陇南西和县人，常年在外打工。想问问陇南2022年输转了多少劳动力？").
# A full stop ends no sentence after an abbreviation: "flights in Haixi, e.g. Golmud or Huatugou airport?"
# is one sentence (its first half, read as context, lost the place asked)
SENTENCE_END = re.compile(
    r"(?<=[。！？!?；;])\s*|(?<=\.)(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\betc\.)(?<!\bvs\.)(?<!\bapprox\.)(?<!\bNo\.)"
    r"(?<!\bSt\.)(?<!\bMr\.)(?<!\bMs\.)(?<!\bDr\.)(?<!\b[A-Z]\.)\s+"
)
# A one-sentence Chinese message whose first clauses tell the asker's circumstances before it asks
# ("我每天早上要遛弯，济南今年准备新建多少个公园？", "我是农村老人，西宁的基础养老金涨到多少了？"): a leading
# clause that opens with the asker (CIRCUMSTANCE_CLAUSE) and asks nothing (ASKING_WORD_ZH) is context, as
# a sentence before the one that asks is (query.asking_spans)
CLAUSE_END = re.compile(r"(?<=[，,])")
CIRCUMSTANCE_CLAUSE = re.compile(r"^\s*(?:我|咱|俺)")
ASKING_WORD_ZH = re.compile(r"多少|几|哪|什么|啥|吗|呢|怎么|怎样|如何|是否|有没有|能不能|会不会|[？?]")

# What follows a place's name when the question asks for that place's own report ("西峰区政府工作报告
# 里说…", "Dunhuang's own government work report"): asked of a district or county inside an indexed
# city, that report is not indexed; the city's report, which names the place in passing, is another.
OWN_REPORT_AFTER_NAME = re.compile(
    r"(?:区|县|市|旗)?\s*(?:(?:19|20)\d\d\s*年度?)?(?:的|'s|’s)?\s*(?:(?:19|20)\d\d\s+)?(?:own\s+)?"
    r"(?:(?:government\s+|gov't\s+)?work\s+reports?|"
    r"政府工作报告|工作报告|政府报告)",
    re.I,
)

# Growth asked of a place with no indicator named ("Which grew faster, Dingxi or Longnan?", "西宁和海西
# 的经济增速谁更快？"): the reports give an economy's growth as that of its GDP (地区生产总值增长7.3%),
# so that indicator is what such a question asks about (QueryInfo.implied_terms). A question naming
# anything else that grows (retail sales, income) is about that.
GROWTH_WORDS_ZH = frozenset("增速 增长 经济增速 经济增长 增长速度 经济增长速度 增幅".split())
GROWTH_CONTEXT_ZH = frozenset("经济 速度 快 更快 最快 发展 谁 哪个 发展速度 经济发展".split())
# growth said in words a Chinese question's topic leaves out (涨 and 多快 are question words)
GROWTH_CUE_ZH = re.compile(r"增速|增长|增幅|涨|多快|更快|发展速度")
GROWTH_WORDS_EN = frozenset("grow grew grown growing grows growth".split())
GROWTH_CONTEXT_EN = frozenset(
    "fast faster fastest quick quickly quicker rapid rapidly economy economic economically expand expanded "
    "expansion speed pace rate strong stronger higher large larger size big bigger".split()
)
ECONOMY_INDICATOR = "地区生产总值"

# ---------------------------------------------------------------- words that ask, not what is asked about
# Chinese question and function words: dropped from a question's topic terms (they say how it asks).
QUESTION_WORDS_ZH = frozenset(
    "的 了 和 与 及 在 是 对 把 将 等 为 有 要 以 中 上 下 也 都 并 而 或 其 这 那 "
    "哪些 什么 多少 怎么 如何 吗 呢 啊 吧 "
    "年 个 方面 哪 进行 我们 一个 问题 情况 报告 政府工作报告 政府 工作 有关 关于 哪个 哪几个 几个 几件 几项 哪几项 "
    "各是 分别 对比 比较 是否 有没有 没有 怎样 怎么样 为什么 请问 多大 多高 一共 总共 打算 准备 计划 想 想要 "
    "今年 去年 明年 上年 本年 提出 提到 说 讲 具体 主要 哪里 哪儿 啥 咋 能 会 可以 了吗 过 给 让 些 做 做了 搞 "
    "到底 究竟 大概 左右 目标 预期 计划 任务 实现 完成 达到 情况如何 如何 方面 措施 举措 市 县 区 州 省 承诺 "
    "许诺 答应 保证 表示 定 定了 定下 设定 定在 哪方面 原因 几条 各有 多少钱 几所 几个 几家 几项".split()
)
# jieba's part-of-speech tags of function words (conjunctions, prepositions, particles, pronouns,
# adverbs, modal particles, interjections, onomatopoeia): a word its dictionary tags so says how a
# question asks (或者, 还是, 已经, 到底), never what it asks about, whether or not the list above has it.
FUNCTION_POS = frozenset("c p u r d y e o".split())
# Words that each only frame a question (主要, 预期, 目标) but together are a heading the reports write at
# least this often (主要预期目标: "海东2023年的主要预期目标有哪些？" asks for that list) are its topic.
FRAMING_TERM_MIN_OCCURRENCES = 10
# A word jieba glued to a question word ("哪些项目") keeps what follows it.
QUESTION_WORD_PREFIXES = ("哪些", "哪个", "哪几", "什么", "多少", "第几", "几", "各项")
# A verb asked in its A-not-A form ("招不招", "提没提", "多不多"): how a yes/no question asks, not a topic.
A_NOT_A = re.compile(r"([\u4e00-\u9fff])[不没]\1")
# jieba's part-of-speech tag of numerals and numeral phrases (几套, 一笔, 十四五).
NUMERAL_POS = "m"
# An English word of a question: letters, with an apostrophe only inside ("Xi'an", "women's"); the quote
# marks around a term ("the 'East Data, West Computing' project") are not part of its words.
ENGLISH_WORD = re.compile(r"[A-Za-z](?:[A-Za-z'’]*[A-Za-z])?")
# a gloss naming a thing by what it belongs to ("place in school", "owner of enterprise"): English also
# writes it as a compound, the second word first ("school place")
GLOSS_OF_PHRASE = re.compile(r"([a-z]+) (?:of|in|for) ([a-z]+)")
# a gloss "X and Y" of two words ("research and development", "mergers and acquisitions"): English also
# writes two things so by their initials, joined by an ampersand (R&D 研发, M&A; dictionary._initials)
GLOSS_OF_PAIR = re.compile(r"([a-z])[a-z]+ and ([a-z])[a-z]+")
# such an abbreviation in a question: one word, not two letters
ENGLISH_INITIALS = re.compile(r"(?<![A-Za-z&])[A-Za-z]&[A-Za-z](?![A-Za-z&])")
# English words joined by hyphens ("e-commerce", "air-quality"): one word where the dictionary glosses it whole
ENGLISH_HYPHENATED = re.compile(rf"{ENGLISH_WORD.pattern}(?:-{ENGLISH_WORD.pattern})*")
# what a question's English is read as, word by word: an abbreviation by initials, else a hyphenated word
ENGLISH_TOKEN = re.compile(rf"{ENGLISH_INITIALS.pattern}|{ENGLISH_HYPHENATED.pattern}")
# the shortest part a closed English compound is split into ("wastewater" → "waste" + "water";
# dictionary.Translator._closed_compound): two-letter parts ("in", "to") split ordinary words
COMPOUND_PART_MIN = 3
# English function and question words: never looked up in the dictionary, never topic terms.
ENGLISH_STOPWORDS = frozenset(
    "a an the of in on at to for from by with about into over under and or but not no is are was were be been being "
    "do does did done doing have has had will would shall should can could may might must what which who whom whose "
    "when where why how much many any some all each every this that these those it its it's they their them there "
    "here i we our you your he she his her me my us as than then so such very more most less least "
    # adverbial particles: "back in 2019", "held back", "hand back to businesses" say no topic (支持 "to back")
    "up down out off back away "
    "again also only just still yet ever too year years last next past previous coming "
    "what's whats tell give say said says mention mentioned mentions does doing get got going like well really "
    "per cent percent there's if whether according "
    # indefinite pronouns: "anything about a metro" asks about the metro
    "anything something everything nothing anyone someone everyone anybody somebody everybody "
    # relation and wish words: "between Xining and Haidong", "other projects", "I want to know" (之间, 其他, 需要)
    "between other others want wants wanted "
    # magnitudes and the currency: a figure's scale ("pass 400 billion yuan"), never what is asked about
    "hundred thousand million billion trillion yuan rmb".split()
)
# English words that frame a question (what kind of answer it wants) rather than its topic: looked up
# for the lexical side (target → 目标 helps find the targets paragraph) but not topic terms.
ENGLISH_FRAMING = frozenset(
    "plan plans planned planning promise promised promises pledge pledged target targets targeted goal goals aim "
    "aims aimed expect expected set sets government report reports work city county district prefecture province "
    "area new number numbers figure figures total overall main key major specific make made compare compared "
    "review achieve achieved status "
    # the -ing forms, as the others are listed: "how many is it aiming for" frames the question as a target
    "aiming targeting promising pledging expecting setting making comparing reviewing achieving".split()
)
# "How fast", "how big", "how far": the word after "how" says what measure is asked (a rate, a size, a
# distance), not what it is asked of; looked up, "fast" is 快速 and "big" 大力, and a sentence saying
# "快速推进" answered "How fast did Yinchuan's economy grow?". Any word but a function word (how many, how
# did) is read so (query._english).
HOW_DEGREE = re.compile(r"\bhow\s+([A-Za-z]+)", re.I)
# The parts of speech whose lemmas (lemminflect) an English word is also looked up as: a verb's and a
# noun's forms name the same thing (took → take, children → child); an adjective's do not (better → good).
LEMMA_PARTS_OF_SPEECH = frozenset(("VERB", "NOUN"))
# Inflections tried when an English word is looked up in the dictionary (jobs → job, built → build).
ENGLISH_INFLECTIONS: tuple[tuple[str, str], ...] = (
    ("ies", "y"),
    ("es", ""),
    ("s", ""),
    ("ied", "y"),
    ("ed", ""),
    ("ed", "e"),
    ("ing", ""),
    ("ing", "e"),
    ("th", ""),
    ("ment", ""),
    ("er", ""),
    ("ly", ""),
)
# British spellings as the dictionary (American) writes them: centre → center, programme → program,
# optimise → optimize, labour → labor; tried on every form of a word, as another variant.
ENGLISH_SPELLINGS: tuple[tuple[str, str], ...] = (
    (r"tre(s?)$", r"ter\1"),
    (r"is(e|es|ed|ing|ation|ations)$", r"iz\1"),
    (r"programme(s?)$", r"program\1"),
    # labour(s), and before a suffix: neighbourhood, labourers, favourable
    (r"our(s?|hoods?|ers?|ing|ed|able|ably|ful|ite|ites)$", r"or\1"),
)
# Nouns and adjectives the dictionary glosses only as their verb or noun: relocation → relocate,
# exploration → explore, revitalization → revitalize, ecological → ecology. The stem left must keep
# ENGLISH_DERIVATION_MIN_STEM letters ("station" is no "state").
ENGLISH_DERIVATIONS: tuple[tuple[str, str], ...] = (
    ("ization", "ize"),
    ("ation", "ate"),
    ("ation", "e"),
    ("ical", "y"),
)
ENGLISH_DERIVATION_MIN_STEM = 4
# Tried only for a word no form of which the dictionary glosses with a word the reports use (a last
# resort, so a word it does translate keeps its own senses): a doer as the deed (investors → invest 投资,
# retailers → retail 零售, suppliers → supply 供应, riders → ride, shoppers → shop), and a verb as the
# noun the dictionary glosses instead (afforest → afforestation 植树造林). The stem left keeps
# ENGLISH_DERIVATION_MIN_STEM letters less one ("rider" → "ride").
ENGLISH_DOER_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("ier", "y"),
    ("er", ""),
    ("er", "e"),
    ("or", ""),
)
ENGLISH_VERB_TO_NOUN_SUFFIXES: tuple[str, ...] = ("ation",)
# Relational adjectives the dictionary glosses under no word of their own but under their noun's
# (CC-CEDICT has "cities and towns" 城镇 and "countryside" 乡村, no "urban" for either): "urban jobs" is
# 城镇新增就业, "urban residents" 城镇居民. Looked up as the noun too (dictionary.lemmas).
ENGLISH_RELATIONAL_ADJECTIVES = {
    "urban": ("cities and towns", "city"),
    "rural": ("countryside", "village"),
    "municipal": ("city",),
    "fiscal": ("finance",),
}
# Choosing among a word's translations: prefer those the reports use often and that have few other
# meanings (空气 for "air", not 播出 "to air a show"); skip any in more than this share of passages.
TRANSLATION_VAGUENESS = 0.7
TRANSLATION_MAX_DF_SHARE = 0.4
# A dev question whose vector is this close to the one asked is the same question (answerability.Neighbours):
# not its own neighbour, so that the question set measures the feature as it works on new questions
SAME_QUESTION_SIMILARITY = 0.999
# with the embedding model: how much the reports' use of a translation counts beside its closeness in
# meaning (similarity + weight × log document frequency / log passages): "grew" → 增长 first, not 生育 or
# 生长, which the model finds as close (dev: English answer hit unchanged, hit@5 +0.005; chosen by
# reading the translations of the dev questions, 0.05 and 0.1 tried)
TRANSLATION_FREQUENCY_WEIGHT = 0.1
# ... and how much its closeness to the whole question counts: a word's sense in its question ("train" is
# 培训 among doctors, not 列车; "line" of a tram 线路, not 底线). Dev (2754), English hit@5 / answer hit@5 /
# false abstention / topic abstention, before a refit: 0 → 0.919 / 0.881 / 0.020 / 0.498; 0.25 → 0.918 /
# 0.880 / 0.019 / 0.535; 0.5 → 0.917 / 0.882 / 0.019 / 0.542; 1.0 → 0.913 / 0.878 / 0.018 / 0.550
TRANSLATION_CONTEXT_WEIGHT = 0.5
# two neighbouring English words are one phrase when their translations joined occur this often in the
# reports' text (空气 + 质量 → 空气质量): more than once, so a chance juxtaposition does not count
TRANSLATION_COMPOUND_MIN_OCCURRENCES = 2
# ... and when the joined term is a good share of the rarer part's occurrences: words that belong
# together (空气质量: 35 of 空气's 49) rather than a chance neighbourhood of two common words (新增城区: 3 of
# 城区's 104, which made "new urban jobs" lose 城镇). Set on the dev questions' joins.
TRANSLATION_COMPOUND_MIN_SHARE = 0.03
# ... and only from each word's leading translations (the reports' likeliest senses of it)
TRANSLATION_COMPOUND_SENSES = 2
# a modifier whose translations join no head term joins through a word of the reports that shares a
# character with one of them and stands almost always before the head: "business" 商务/商业 + "environment"
# 环境 → 营商环境 (营商 precedes 环境 in 72 of its 74 occurrences; the dictionary glosses neither 营商 nor the
# phrase). The words looked at are two or three characters long, and bound when this share of their
# occurrences precedes the head. Dev (4509) English, top-5 retrieval of the 1510 answerable questions whose
# translation changed: share 0.5 → 79 changed, 8 gained, 1 lost (高新技术 for "vocational skills", a
# character of chance); 0.8 → 44 changed, 4 gained, none lost.
TRANSLATION_BOUND_MODIFIER_SIZES = (2, 3)
TRANSLATION_BOUND_MODIFIER_SHARE = 0.8
# with the embedding model: keep translations this close to the best (at most the translator's
# per_phrase, 3). The model's word-level closeness is a rough guide ("signed" → 指标 before 签订), so a
# wide margin keeps the reports' other senses in play and lets the passages decide. Dev (835), English
# hit@5 / answer hit@5 / false abstention / topic abstention: 0.02 → 0.847 / 0.769 / 0.068 / 0.344;
# 0.04 → 0.854 / 0.800 / 0.034 / 0.344; 0.06 → 0.858 / 0.820 / 0.024 / 0.312; 0.12 → 0.858 / 0.824 /
# 0.020 / 0.312, and at English thresholds that refuse as many near misses, fewer false abstentions
TRANSLATION_SIMILARITY_MARGIN = 0.12
# an English question's dense query carries this many Chinese terms of each phrase (the closest first):
# enough for the multilingual model to meet Chinese passages halfway, few enough not to drown the question
DENSE_QUERY_TERMS_PER_PHRASE = 2
# an English word's one-character translations (粮 for "grain", 氢 for "hydrogen") stand for this many
# of the reports' most used words beginning with them (粮食, 粮食产量; 氢能): its only translations when
# the dictionary's words are ones the reports never use (谷物, 谷类), else loose ones beside them
TRANSLATION_STAND_INS = 2
# An English word no dictionary gloss translates may be a name the reports write, in pinyin ("Fangchuan",
# "Mogao", "fangpinbao": query.Catalog.romanised_names): it stands for at most this many of the reports'
# words that read so, and only a word of this many letters or more (shorter ones, "Ali", "Ede", are as
# likely any other word)
ROMANISED_NAME_TERMS = 2
ROMANISED_NAME_MIN_LETTERS = 4
# ... and where no word of the vocabulary reads so, a string of the reports' text of at most this many
# characters that does (a name the segmenter splits: 人字洞 "Renzidong", 书堂山 "Shutangshan")
ROMANISED_TEXT_MAX_CHARS = 4
# a word of the reports, wholly Chinese, of two characters or more
CJK_WORD = re.compile(r"[\u4e00-\u9fff]{2,}")
TRANSLATION_EXACT_BONUS = 0.7  # a gloss that is the word itself outranks a longer gloss containing it
# CC-CEDICT glosses that are cross-references, not translations.
CEDICT_SKIP_GLOSS_PREFIXES = (
    "variant of",
    "old variant",
    "see ",
    "abbr. for",
    "surname ",
    "CL:",
    "used in",
    "Japanese variant",
    "also written",
    "also pr.",
    "erhua variant",
)

# ---------------------------------------------------------------- places
# Administrative suffixes, longest first: what is left is a division's short form (兰州市 → 兰州).
# China's 56 ethnic groups, as they appear in the names of autonomous divisions (海西蒙古族藏族自治州).
ETHNIC_GROUPS = (
    "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 "
    "纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 "
    "鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺"
).split()
_ETHNIC = "|".join(sorted(ETHNIC_GROUPS, key=len, reverse=True))
DIVISION_SUFFIX = re.compile(
    rf"^(?P<stem>.+?)(?:(?:(?:{_ETHNIC})族?)+(?:自治州|自治县|自治旗|自治区)|自治州|自治县|自治旗|自治区|特别行政区|新区|"
    r"地区|林区|行政委员会|省|市|州|县|区|旗|盟)$"
)
DIVISION_SUFFIX_PLAIN = re.compile(
    r"^(?P<stem>.+?)(?:自治州|自治县|自治旗|自治区|特别行政区|新区|地区|省|市|州|县|区|旗|盟)$"
)
# Rows of the gazetteer that are not divisions a question could name.
NOT_A_DIVISION = frozenset({"国外", "市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})
# Chinese names in common use that are not the stem of the official name.
# an autonomous division's everyday name is its stem and its kind: 海南藏族自治州 → 海南州,
# 互助土族自治县 → 互助县, 鄂伦春自治旗 → 鄂伦春旗 (the gazetteer lists only the full names)
AUTONOMOUS_SHORT_FORMS: tuple[tuple[str, str], ...] = (("自治州", "州"), ("自治县", "县"), ("自治旗", "旗"))
PLACE_ALIASES_ZH: dict[str, str] = {"内蒙": "内蒙古自治区"}
# English names of places that are not their pinyin (general knowledge, not any question's); Shaanxi
# is the official spelling that keeps 陕西 apart from 山西 (Shanxi).
PLACE_EXONYMS: dict[str, str] = {
    "tibet": "西藏自治区",
    "inner mongolia": "内蒙古自治区",
    "hong kong": "香港特别行政区",
    "macau": "澳门特别行政区",
    "macao": "澳门特别行政区",
    "harbin": "哈尔滨市",
    "urumqi": "乌鲁木齐市",
    "hohhot": "呼和浩特市",
    "lhasa": "拉萨市",
    "kashgar": "喀什地区",
    "peking": "北京市",
    "canton": "广州市",
    "taipei": "台北市",
    "kaohsiung": "高雄市",
    "amoy": "厦门市",
    "shaanxi": "陕西省",
}
# Generic toponym words, so "West Coast New Area" can be read for 西海岸新区.
SUFFIX_EN = {"市": "City", "州": "Prefecture", "县": "County", "区": "District"}
MORPHEME_EN = {
    "新区": "New Area",
    "西": "West",
    "东": "East",
    "南": "South",
    "北": "North",
    "海岸": "Coast",
    "中": "Central",
    "湖": "Lake",
    "山": "Mountain",
    "江": "River",
    "港": "Port",
    "高新区": "High-tech Zone",
    "开发区": "Development Zone",
    "经开区": "Economic Development Zone",
}
# English words for an administrative level that may follow a place's pinyin ("Lanzhou City").
LEVEL_WORDS_EN = frozenset(
    {"city", "county", "district", "prefecture", "province", "area", "new", "region", "municipality", "autonomous"}
)

# ---------------------------------------------------------------- answers
PART_ZH = {"review": "工作回顾", "plan": "工作安排", "government": "政府自身建设", "other": "其他部分"}
PART_EN = {
    "review": "review of the past year",
    "plan": "plan for the coming year",
    "government": "section on the government's own conduct",
    "other": "appendix",
}
# Chinese or not: a question is Chinese when its Chinese characters are not swamped by Latin letters.
CJK = re.compile(r"[\u4e00-\u9fff]")
