"""Vocabularies of the demo company: people's names, company names, job titles, regions, products.

Every entry that becomes a login or an e-mail address carries its pinyin.
"""

from __future__ import annotations

from decimal import Decimal

# (surname, pinyin) — the most common Chinese surnames, roughly by frequency.
SURNAMES: tuple[tuple[str, str], ...] = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
    ("赵", "zhao"), ("黄", "huang"), ("周", "zhou"), ("吴", "wu"), ("徐", "xu"), ("孙", "sun"),
    ("胡", "hu"), ("朱", "zhu"), ("高", "gao"), ("林", "lin"), ("何", "he"), ("郭", "guo"),
    ("马", "ma"), ("罗", "luo"), ("梁", "liang"), ("宋", "song"), ("郑", "zheng"), ("谢", "xie"),
    ("韩", "han"), ("唐", "tang"), ("冯", "feng"), ("于", "yu"), ("董", "dong"), ("萧", "xiao"),
    ("程", "cheng"), ("曹", "cao"), ("袁", "yuan"), ("邓", "deng"), ("许", "xu"), ("傅", "fu"),
    ("沈", "shen"), ("曾", "zeng"), ("彭", "peng"), ("吕", "lv"), ("苏", "su"), ("卢", "lu"),
    ("蒋", "jiang"), ("蔡", "cai"), ("贾", "jia"), ("丁", "ding"), ("魏", "wei"), ("薛", "xue"),
)

GIVEN_NAMES: tuple[tuple[str, str], ...] = (
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"),
    ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"),
    ("杰", "jie"), ("娟", "juan"), ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀英", "xiuying"),
    ("霞", "xia"), ("平", "ping"), ("刚", "gang"), ("桂英", "guiying"), ("志强", "zhiqiang"),
    ("建华", "jianhua"), ("海燕", "haiyan"), ("晓东", "xiaodong"), ("文博", "wenbo"), ("子涵", "zihan"),
    ("雨桐", "yutong"), ("浩然", "haoran"), ("思远", "siyuan"), ("嘉怡", "jiayi"), ("俊杰", "junjie"),
    ("婷婷", "tingting"), ("立新", "lixin"), ("国庆", "guoqing"), ("红梅", "hongmei"), ("建军", "jianjun"),
    ("晨", "chen"), ("凯", "kai"), ("鹏", "peng"), ("琳", "lin"), ("斌", "bin"), ("宇", "yu"),
)

# Regions: code (goes into numbers), name, administrative division codes for credit codes, street names.
REGIONS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("SH", "上海", ("310115", "310104", "310112", "310114"), ("张江路", "漕河泾开发区", "嘉定工业区", "莘庄工业区")),
    ("NJ", "南京", ("320106", "320115", "320111"), ("江宁开发区", "新街口", "浦口高新区")),
    ("SU", "苏州", ("320505", "320506", "320585"), ("苏州工业园区", "吴中经济开发区", "太仓港区")),
    ("HZ", "杭州", ("330106", "330108", "330110"), ("滨江高新区", "余杭经济开发区", "萧山经济技术开发区")),
    ("BJ", "北京", ("110108", "110105", "110115"), ("中关村软件园", "望京", "亦庄经济技术开发区")),
    ("TJ", "天津", ("120116", "120104"), ("滨海新区", "西青经济开发区")),
    ("WH", "武汉", ("420106", "420111", "420115"), ("光谷", "武汉经济技术开发区", "东西湖区")),
    ("GZ", "广州", ("440106", "440112", "440113"), ("天河区", "黄埔区", "番禺区")),
    ("SZ", "深圳", ("440305", "440306", "440307"), ("南山区科技园", "宝安区", "龙岗区")),
    ("CD", "成都", ("510107", "510116", "510112"), ("天府软件园", "高新西区", "龙泉驿经济开发区")),
)

# Teams: key, name, parent key, the regions they cover, manager login, reps (given as name indexes).
TEAMS: tuple[tuple[str, str, str | None, tuple[str, ...]], ...] = (
    ("east", "华东大区", None, ("SH", "NJ", "SU")),
    ("hz", "华东大区·杭州分部", "east", ("HZ",)),
    ("north", "华北大区", None, ("BJ", "TJ", "WH")),
    ("south", "华南大区", None, ("GZ", "SZ", "CD")),
)

# Brand words of customer names (with pinyin for web sites and e-mail domains).
BRANDS: tuple[tuple[str, str], ...] = (
    ("华信", "huaxin"), ("恒通", "hengtong"), ("鼎盛", "dingsheng"), ("瑞丰", "ruifeng"), ("天成", "tiancheng"),
    ("宏达", "hongda"), ("新纪元", "xinjiyuan"), ("远航", "yuanhang"), ("金桥", "jinqiao"), ("中科", "zhongke"),
    ("东方", "dongfang"), ("博远", "boyuan"), ("嘉华", "jiahua"), ("海川", "haichuan"), ("汇丰源", "huifengyuan"),
    ("正泰", "zhengtai"), ("永信", "yongxin"), ("凯盛", "kaisheng"), ("九州", "jiuzhou"), ("蓝海", "lanhai"),
    ("星辰", "xingchen"), ("明德", "mingde"), ("华晨", "huachen"), ("立讯", "lixun"), ("长风", "changfeng"),
    ("同创", "tongchuang"), ("卓越", "zhuoyue"), ("润泽", "runze"), ("弘毅", "hongyi"), ("万通", "wantong"),
    ("富达", "fuda"), ("安泰", "antai"), ("中远", "zhongyuan"), ("启明", "qiming"), ("恒瑞", "hengrui"),
    ("国盛", "guosheng"), ("联创", "lianchuang"), ("德信", "dexin"), ("银河", "yinhe"), ("青松", "qingsong"),
    ("盛世", "shengshi"), ("协力", "xieli"), ("众诚", "zhongcheng"), ("锦华", "jinhua"), ("志高", "zhigao"),
    ("宝丰", "baofeng"), ("鸿运", "hongyun"), ("精工", "jinggong"), ("天合", "tianhe"), ("融创", "rongchuang"),
)

# Industry (Industry choice key) -> words that follow the brand in a company name.
INDUSTRY_WORDS: dict[str, tuple[str, ...]] = {
    "manufacturing": ("精密机械", "汽车零部件", "智能装备", "电子科技", "新材料", "模具制造", "五金制品",
                      "包装材料", "电气设备", "塑胶制品"),
    "retail": ("商贸", "连锁超市", "百货", "电子商务", "品牌管理", "食品销售"),
    "software": ("信息技术", "网络科技", "软件", "数据科技", "智能科技"),
    "finance": ("融资租赁", "金融服务", "投资管理", "保险代理"),
    "healthcare": ("医疗器械", "生物医药", "医药连锁", "健康科技"),
    "energy": ("新能源", "电力设备", "光伏科技", "储能技术"),
    "logistics": ("物流", "供应链管理", "仓储服务", "国际货运代理"),
    "education": ("教育科技", "职业培训", "文化传播"),
    "government": ("城市建设投资", "公用事业", "水务", "交通投资"),
}
INDUSTRY_WEIGHTS: dict[str, int] = {"manufacturing": 40, "retail": 12, "software": 10, "finance": 6,
                                    "healthcare": 8, "energy": 8, "logistics": 9, "education": 4,
                                    "government": 3}
COMPANY_SUFFIXES: tuple[tuple[str, int], ...] = (("有限公司", 60), ("股份有限公司", 25), ("集团有限公司", 15))
SIZE_WEIGHTS: dict[str, int] = {"micro": 5, "small": 25, "medium": 35, "large": 25, "enterprise": 10}

# Contact titles: (title, decision role, director level or above, weight).
TITLES: tuple[tuple[str, str, bool, int], ...] = (
    ("总经理", "decision_maker", True, 10),
    ("董事长", "decision_maker", True, 3),
    ("副总经理", "decision_maker", True, 6),
    ("CIO", "decision_maker", True, 5),
    ("信息中心主任", "influencer", True, 6),
    ("生产总监", "influencer", True, 7),
    ("财务总监", "influencer", True, 5),
    ("运营总监", "influencer", True, 4),
    ("采购经理", "influencer", False, 8),
    ("IT经理", "influencer", False, 9),
    ("质量经理", "influencer", False, 4),
    ("信息化专员", "user", False, 6),
    ("车间主任", "user", False, 6),
    ("仓储主管", "user", False, 5),
    ("计划员", "user", False, 3),
    ("行政主管", "other", False, 2),
)

# Products: code, name, price band (CNY), the industries that buy it most.
PRODUCTS: tuple[tuple[str, str, int, int], ...] = (
    ("MES", "MES 制造执行系统", 300_000, 3_000_000),
    ("WMS", "WMS 仓储管理系统", 150_000, 1_200_000),
    ("ERP-FIN", "ERP 财务模块", 200_000, 1_500_000),
    ("ERP-SCM", "ERP 供应链模块", 300_000, 2_000_000),
    ("ERP-HR", "ERP 人力资源模块", 100_000, 800_000),
    ("IOT", "工业物联网平台", 500_000, 5_000_000),
    ("QMS", "QMS 质量管理系统", 100_000, 800_000),
    ("APS", "APS 高级计划排程", 200_000, 1_500_000),
    ("BI", "BI 数据分析平台", 80_000, 600_000),
    ("CRM", "CRM 客户关系管理", 50_000, 500_000),
    ("SRM", "SRM 供应商协同平台", 100_000, 800_000),
)
PRODUCTS_BY_INDUSTRY: dict[str, tuple[str, ...]] = {
    "manufacturing": ("MES", "MES", "IOT", "QMS", "APS", "ERP-SCM", "WMS", "SRM"),
    "retail": ("WMS", "CRM", "ERP-SCM", "BI", "ERP-FIN"),
    "software": ("CRM", "ERP-HR", "BI", "ERP-FIN"),
    "finance": ("BI", "CRM", "ERP-FIN", "ERP-HR"),
    "healthcare": ("QMS", "WMS", "ERP-SCM", "BI"),
    "energy": ("IOT", "IOT", "MES", "BI", "ERP-FIN"),
    "logistics": ("WMS", "WMS", "IOT", "ERP-SCM", "BI"),
    "education": ("CRM", "ERP-HR", "BI"),
    "government": ("IOT", "BI", "ERP-FIN"),
}
MIN_AMOUNT = Decimal(50_000)
MAX_AMOUNT = Decimal(5_000_000)

PROJECT_KINDS: tuple[str, ...] = ("项目", "一期项目", "二期项目", "升级项目", "替换项目", "选型", "扩容项目")

PAIN_POINTS: dict[str, tuple[str, ...]] = {
    "MES": ("生产过程不透明，工单进度靠人工统计", "质量问题无法追溯到批次和工位", "设备利用率低、停机原因不清"),
    "WMS": ("库存账实不符，盘点差异大", "拣货效率低，旺季发货延迟", "库位管理混乱，找货时间长"),
    "ERP-FIN": ("月结要7天以上，报表滞后", "多组织合并报表靠Excel", "费用报销流程长、审批不可控"),
    "ERP-SCM": ("采购计划与销售预测脱节", "供应链协同靠邮件和电话", "缺料频繁导致停线"),
    "ERP-HR": ("多地考勤规则不统一", "薪资核算靠手工，出错率高", "人员编制和成本不透明"),
    "IOT": ("设备数据孤岛，无法集中监控", "能耗高且无法按产线分析", "设备故障只能事后维修"),
    "QMS": ("客户投诉处理周期长", "来料检验数据分散", "质量体系审核准备工作量大"),
    "APS": ("排产靠经验，插单频繁", "交期承诺不准确", "产能利用不均衡"),
    "BI": ("管理层看不到实时经营数据", "各系统口径不一致", "月度分析报告要3-5天"),
    "CRM": ("客户信息散落在个人手里", "销售过程不可见，预测不准", "老客户复购跟进不及时"),
    "SRM": ("供应商绩效无法量化", "询比价过程不透明", "对账周期长、争议多"),
}
TIMELINES: tuple[str, ...] = ("本季度内启动", "下季度启动，年底前上线", "明年一季度上线", "预算批复后立即启动",
                              "半年内上线", "配合新工厂投产，9月前上线", "年内完成选型")
