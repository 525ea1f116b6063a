"""A realistic resource bank (教育资源库), generated for demos and benchmarks.

The national bank built under the “1·10·100·1000” programme (one resource bank,
40 strong education programmes, 100 experts, 4,000 cases) holds 4,453 lessons.
Its real content is not ours to ship, so this module writes lessons in its shape:
the 40 programmes, a fixed topic vocabulary, the positions of the catalogue, and
bodies assembled from sentences of the domain (methods, the unified “四期四区”
model, the law, medicine such as 美沙酮 and 纳洛酮), so that browsing, facets and
Chinese search have realistic material.

Generation is deterministic for a seed, and lesson n is the same whatever the
count, so the demo's 60 lessons are the first 60 of the full bank. Rows come out
in the import format (courses.services.lessons) and are loaded through the same
import an administrator uses.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from courses.catalogue import DEFAULT_POSITIONS
from courses.services.lessons import (
    LessonImportSummary,
    lessons_apply,
    lessons_from_records,
    lessons_workbook,
)
from courses.services.lessons.types import (
    BODY,
    CLASS_HOURS,
    CODE,
    FORMAT,
    MINUTES,
    POSITIONS,
    PROGRAMME,
    SUMMARY,
    TITLE,
    TOPICS,
)

BANK_SIZE = 4453
CODE_PREFIX = "ZYK"

# --------------------------------------------------------------------- vocabulary

TOPICS_VOCABULARY = (
    "毒品认知",
    "预防教育",
    "法律法规",
    "执法规范",
    "安全管理",
    "戒治模式",
    "诊断评估",
    "生理脱毒",
    "戒毒医疗",
    "中医药",
    "药物维持治疗",
    "卫生防疫",
    "心理矫治",
    "危机干预",
    "复吸预防",
    "康复训练",
    "科技戒毒",
    "艺术矫治",
    "传统文化",
    "教育矫正",
    "家庭支持",
    "个案管理",
    "社区戒毒",
    "社区康复",
    "后续照管",
    "回归社会",
    "职业技能",
    "专项矫治",
)

POSITION_NAMES = tuple(name for _code, name, _desc in DEFAULT_POSITIONS)
MANAGEMENT, EDUCATION, MEDICAL, PSYCHOLOGY, REHAB, ASSESSMENT, ENFORCEMENT = (
    POSITION_NAMES[:7]
)
COMMUNITY, VOLUNTEER = POSITION_NAMES[7:9]

AUDIENCE = {
    MANAGEMENT: "各级管理人员",
    EDUCATION: "教育民警",
    MEDICAL: "医护人员",
    PSYCHOLOGY: "心理咨询师",
    REHAB: "康复训练师",
    ASSESSMENT: "诊断评估人员",
    ENFORCEMENT: "大队民警",
    COMMUNITY: "社区禁毒专干",
    VOLUNTEER: "禁毒志愿者",
}

# The unified model: four phases, each in its own zone (四期四区).
PHASES = (
    ("生理脱毒期", "生理脱毒区"),
    ("教育适应期", "教育适应区"),
    ("康复巩固期", "康复巩固区"),
    ("回归指导期", "回归指导区"),
)

MEDICAL_CENTRE = "戒毒医疗中心"
EDUCATION_CENTRE = "教育矫正中心"
PSYCHOLOGY_CENTRE = "心理矫治中心"
REHAB_CENTRE = "康复训练中心"
ASSESSMENT_CENTRE = "诊断评估中心"
COMMUNITY_STATION = "社区戒毒社区康复工作站"


@dataclass(frozen=True)
class ProgrammeSpec:
    code: str
    name: str
    centre: str
    topics: tuple[str, ...]
    positions: tuple[str, ...]
    phases: tuple[int, ...]  # indexes into PHASES where the programme is used
    subjects: tuple[str, ...]  # what a lesson is about
    facts: tuple[str, ...]  # sentences only this programme's lessons say
    weight: int = 10


PROGRAMMES: tuple[ProgrammeSpec, ...] = (
    ProgrammeSpec(
        "JP01",
        "正念防复发",
        PSYCHOLOGY_CENTRE,
        ("复吸预防", "心理矫治"),
        (PSYCHOLOGY, EDUCATION, REHAB),
        (2, 3),
        (
            "正念呼吸练习",
            "身体扫描",
            "渴求冲浪技术",
            "高危情境识别",
            "三分钟呼吸空间",
            "正念行走",
            "接纳与自我关怀",
            "复吸预警信号",
        ),
        (
            "正念防复发（MBRP）由正念练习和认知行为复吸预防两部分组成，标准课程为八周、每周一次团体练习。",
            "渴求冲浪是把渴求看作一阵海浪：它会升起、到达顶峰，然后自然消退，练习者只需观察而不随之行动。",
            "“停下来、呼吸、觉察、选择”四个步骤，帮助戒毒人员在高危情境中从自动反应转向有意识的选择。",
            "练习时引导语要平稳、缓慢，不评判学员的体验，允许分心，再温和地把注意力带回呼吸。",
            "正念防复发适合在康复巩固期开展，生理脱毒尚未完成、情绪不稳定的人员暂缓参加。",
        ),
        weight=14,
    ),
    ProgrammeSpec(
        "JP02",
        "内观疗法",
        PSYCHOLOGY_CENTRE,
        ("心理矫治", "家庭支持"),
        (PSYCHOLOGY, EDUCATION),
        (1, 2),
        (
            "内观三主题",
            "集中内观的组织",
            "日常内观",
            "内观面接技巧",
            "内观后的亲情修复",
            "内观室的设置",
            "内观记录的分析",
        ),
        (
            "内观疗法围绕三个主题回忆：他人为我做了什么、我为他人做了什么、我给他人添了什么麻烦。",
            "集中内观一般为期七天，戒毒人员在安静的内观室中按时间段回忆与母亲、父亲、配偶等重要他人的关系。",
            "面接者每隔一至两小时与内观者简短交谈，只倾听和提问，不评价、不说教。",
            "内观结束后安排亲情电话或亲情会见，把内观中产生的愧疚和感恩转化为修复家庭关系的行动。",
            "有严重精神症状或自杀风险的人员不宜参加集中内观，应先由心理矫治中心评估。",
        ),
    ),
    ProgrammeSpec(
        "JP03",
        "运动戒毒",
        REHAB_CENTRE,
        ("康复训练", "复吸预防"),
        (REHAB, ENFORCEMENT, MEDICAL),
        (1, 2, 3),
        (
            "体能测评",
            "有氧运动处方",
            "抗阻力训练",
            "运动强度监测",
            "运动损伤预防",
            "团体体育项目",
            "运动与渴求调节",
            "分级康复训练",
        ),
        (
            "运动戒毒以体能测评为起点，按心肺耐力、肌肉力量、柔韧性和平衡能力分级开具运动处方。",
            "中等强度有氧运动可使心率保持在最大心率的60%至75%，"
            "每次30至60分钟，每周不少于三次。",
            "规律运动能改善睡眠和情绪，降低对毒品的渴求，是康复巩固期的主要训练内容。",
            "训练前要做好热身，训练中由康复训练师观察面色、呼吸和心率，出现胸闷、头晕立即停止。",
            "运动戒毒实行“测评—处方—训练—再测评”的闭环管理，每月复测一次体能指标。",
        ),
        weight=14,
    ),
    ProgrammeSpec(
        "JP04",
        "中医药戒毒",
        MEDICAL_CENTRE,
        ("中医药", "戒毒医疗"),
        (MEDICAL,),
        (0, 1),
        (
            "中医对成瘾的认识",
            "戒断症状的中医辨证",
            "针刺戒毒",
            "耳穴压豆",
            "中药调理",
            "艾灸与拔罐",
            "情志调摄",
        ),
        (
            "中医认为毒邪久伏，耗伤气血，损及心、肝、脾、肾，戒断期多表现为虚实夹杂之证。",
            "耳穴压豆常选神门、交感、皮质下、肺、肝等穴位，可缓解焦虑、失眠等稽延性戒断症状。",
            "针刺治疗应由具有执业资格的医师实施，严格消毒，一人一针，防止交叉感染。",
            "中药调理须辨证施治，不得使用含有麻醉药品或精神药品成分的方剂。",
        ),
    ),
    ProgrammeSpec(
        "JP05",
        "经颅磁刺激",
        MEDICAL_CENTRE,
        ("科技戒毒", "戒毒医疗"),
        (MEDICAL, PSYCHOLOGY),
        (1, 2),
        (
            "经颅磁刺激的原理",
            "经颅磁刺激的适应证与禁忌证",
            "刺激靶点定位",
            "经颅磁刺激参数设置",
            "经颅磁刺激不良反应处置",
            "经颅磁刺激疗效评估",
        ),
        (
            "重复经颅磁刺激（rTMS）通过线圈产生的磁场在大脑皮层诱发电流，调节与渴求相关的神经环路。",
            "常用刺激靶点为左侧背外侧前额叶皮层，一个疗程通常为十至二十次，每天一次。",
            "颅内有金属植入物、心脏起搏器或有癫痫病史的人员禁止进行经颅磁刺激治疗。",
            "治疗前后用渴求视觉模拟评分和焦虑、抑郁量表评估，记录疗效和不良反应。",
            "少数人治疗后出现头痛或头皮不适，一般休息后可缓解，发生抽搐须立即停止并按预案处置。",
        ),
    ),
    ProgrammeSpec(
        "JP06",
        "VR渴求评估与矫正",
        ASSESSMENT_CENTRE,
        ("科技戒毒", "诊断评估", "复吸预防"),
        (ASSESSMENT, PSYCHOLOGY),
        (2, 3),
        (
            "VR渴求评估流程",
            "VR虚拟场景的选择",
            "渴求评估中的生理指标采集",
            "线索暴露与反应阻止",
            "VR厌恶疗法场景",
            "VR渴求评估报告解读",
        ),
        (
            "虚拟现实（VR）渴求评估让戒毒人员在模拟的吸毒场景中接触相关线索，同时采集心率、皮电等生理指标。",
            "线索暴露训练在安全可控的虚拟环境中反复呈现诱发线索，配合放松训练，使渴求反应逐步减弱。",
            "评估结果与诊断评估中心的其他指标一起，作为判断戒毒人员渴求水平和复吸风险的参考。",
            "有晕动症、癫痫或严重心血管疾病的人员不宜佩戴VR设备，场景强度应由低到高。",
        ),
    ),
    ProgrammeSpec(
        "JP07",
        "动机访谈",
        PSYCHOLOGY_CENTRE,
        ("心理矫治", "个案管理"),
        (PSYCHOLOGY, COMMUNITY, EDUCATION),
        (1, 2, 3),
        (
            "动机访谈的精神",
            "开放式提问",
            "反映性倾听",
            "处理矛盾心理",
            "改变谈话的引导",
            "制定改变计划",
            "减少阻抗",
        ),
        (
            "动机访谈的核心是合作、唤起和尊重自主，帮助当事人找到自己想要改变的理由。",
            "OARS 四项技术是开放式提问、肯定、反映性倾听和摘要，是每次谈话的基本功。",
            "当戒毒人员说出“我也想戒，可是……”时，访谈者要同时反映改变和维持现状的两方面想法。",
            "访谈者避免与当事人争辩，阻抗出现时调整方向，而不是加大说服力度。",
            "社区禁毒专干在首次见面和社区康复协议签订前后运用动机访谈，能明显提高报到和尿检的依从性。",
        ),
        weight=12,
    ),
    ProgrammeSpec(
        "JP08",
        "家庭治疗",
        PSYCHOLOGY_CENTRE,
        ("家庭支持", "心理矫治"),
        (PSYCHOLOGY, COMMUNITY, EDUCATION),
        (2, 3),
        (
            "成瘾家庭的沟通模式",
            "家庭会谈的组织",
            "家属的共依赖",
            "亲子关系修复",
            "家庭支持小组",
            "远程亲情帮教",
        ),
        (
            "成瘾问题常常与家庭沟通方式相互影响，家庭治疗把整个家庭而不只是戒毒人员作为工作对象。",
            "部分家属长期替戒毒人员还债、隐瞒问题，形成共依赖，需要帮助他们学会设立界限。",
            "家庭会谈前应分别了解各成员的期望，会谈中保持中立，避免站在任何一方指责他人。",
            "出所前安排家庭会谈，商定回家后的作息、经济管理和远离毒友的具体约定。",
        ),
    ),
    ProgrammeSpec(
        "JP09",
        "认知行为治疗",
        PSYCHOLOGY_CENTRE,
        ("心理矫治", "复吸预防"),
        (PSYCHOLOGY,),
        (1, 2),
        (
            "成瘾的认知模型",
            "自动思维识别",
            "认知重构",
            "应对技能训练",
            "拒绝技巧",
            "问题解决训练",
            "复吸预防计划",
        ),
        (
            "认知行为治疗认为，引发吸毒的往往不是情境本身，而是对情境的自动思维，如“用一次没关系”。",
            "思维记录表帮助戒毒人员写下情境、想法、情绪和行为，再寻找支持和反对这一想法的证据。",
            "拒绝技巧训练通过角色扮演练习坚定地说“不”，并提前准备离开现场的理由。",
            "复吸预防计划要写明个人的高危情境、预警信号、应对方法和可以求助的人。",
        ),
        weight=12,
    ),
    ProgrammeSpec(
        "JP10",
        "职业技能培训",
        EDUCATION_CENTRE,
        ("职业技能", "回归社会"),
        (EDUCATION, COMMUNITY),
        (2, 3),
        (
            "职业兴趣测评",
            "中式烹调技能",
            "电工基础",
            "电子商务入门",
            "家政服务",
            "汽车美容",
            "职业资格证书考试辅导",
        ),
        (
            "职业技能培训结合就业市场需求开设课程，帮助戒毒人员取得职业资格证书或职业技能等级证书。",
            "培训前进行职业兴趣和能力测评，按照“一人一技”的目标安排培训项目。",
            "与人力资源和社会保障部门、企业合作，把出所前培训和出所后就业推荐衔接起来。",
            "实操训练须遵守安全操作规程，刀具、电器等工具实行登记领用、定点存放。",
        ),
    ),
    ProgrammeSpec(
        "JP11",
        "法治教育",
        EDUCATION_CENTRE,
        ("法律法规", "教育矫正"),
        (EDUCATION, ENFORCEMENT, COMMUNITY),
        (1, 2, 3),
        (
            "禁毒法解读",
            "戒毒条例解读",
            "强制隔离戒毒的法律程序",
            "吸毒的法律责任",
            "戒毒人员的权利和义务",
            "宪法与公民基本权利",
            "民法典与家庭关系",
        ),
        (
            "法治教育是教育适应期的必修内容，帮助戒毒人员理解戒毒措施的法律依据和自身的权利义务。",
            "讲解法律条文时要结合真实案例，避免照本宣科，使戒毒人员认识到吸毒行为的违法性和危害性。",
            "戒毒人员对决定不服的，可以依法申请行政复议或者提起行政诉讼，民警应当如实告知。",
            "每季度组织一次法律知识测试，成绩记入教育矫正档案，作为诊断评估的参考。",
        ),
        weight=12,
    ),
    ProgrammeSpec(
        "JP12",
        "心理健康教育",
        PSYCHOLOGY_CENTRE,
        ("心理矫治", "教育矫正"),
        (PSYCHOLOGY, EDUCATION),
        (1, 2),
        (
            "情绪管理",
            "压力应对",
            "人际沟通",
            "睡眠与心理健康",
            "自尊与自我认识",
            "愤怒管理",
            "心理健康自评",
        ),
        (
            "心理健康教育面向全体戒毒人员，普及心理健康知识，教授情绪调节和压力应对的基本方法。",
            "入所后一个月内完成心理健康普查，筛查出的高风险人员转入个体心理咨询。",
            "课堂上多用体验式活动和小组讨论，让戒毒人员在练习中学会识别和表达情绪。",
            "愤怒管理训练教会戒毒人员识别愤怒的身体信号，用暂停、深呼吸和积极自我对话代替冲动行为。",
        ),
        weight=12,
    ),
    ProgrammeSpec(
        "JP13",
        "毒品认知与危害教育",
        EDUCATION_CENTRE,
        ("毒品认知", "预防教育"),
        (EDUCATION, COMMUNITY, VOLUNTEER),
        (0, 1),
        (
            "毒品的概念与分类",
            "阿片类毒品的危害",
            "合成毒品的危害",
            "毒品与传染病",
            "毒品对家庭的影响",
            "成瘾的脑科学",
            "识别伪装的毒品",
        ),
        (
            "我国《禁毒法》所称毒品，是指鸦片、海洛因、甲基苯丙胺（冰毒）、吗啡、大麻、可卡因以及国家规定管制的其他能够使人形成瘾癖的麻醉药品和精神药品。",
            "毒品成瘾是一种慢性复发性脑疾病，毒品会改变大脑的奖赏系统，使人难以自控。",
            "共用注射器吸毒是艾滋病、丙型肝炎传播的重要途径。",
            "合成毒品常被伪装成奶茶、跳跳糖、电子烟油等，具有很强的迷惑性。",
        ),
        weight=12,
    ),
    ProgrammeSpec(
        "JP14",
        "四期四区戒治模式",
        EDUCATION_CENTRE,
        ("戒治模式", "执法规范"),
        (MANAGEMENT, ENFORCEMENT, EDUCATION),
        (0, 1, 2, 3),
        (
            "四期四区的总体要求",
            "分期分区的转段条件",
            "五大中心的职责分工",
            "专业中心与大队的协作",
            "戒治效果评价",
            "统一模式的台账管理",
        ),
        (
            "四期四区是司法行政戒毒工作基本模式的核心，把戒治过程分为生理脱毒、教育适应、康复巩固、回归指导四个时期，分别在相应的功能区实施。",
            "戒毒人员转入下一时期，须经诊断评估确认达到本期目标，不能只按时间机械转段。",
            "戒毒医疗、教育矫正、心理矫治、康复训练、诊断评估五大中心按照职责分工，与大队共同完成戒治任务。",
            "各期的戒治项目、课时和评估结果都要录入执法管理系统，做到全程留痕、可追溯。",
        ),
        weight=12,
    ),
    ProgrammeSpec(
        "JP15",
        "诊断评估",
        ASSESSMENT_CENTRE,
        ("诊断评估", "戒治模式"),
        (ASSESSMENT, MANAGEMENT),
        (0, 1, 2, 3),
        (
            "诊断评估的内容和程序",
            "生理脱毒评估",
            "身心康复评估",
            "认知行为评估",
            "社会环境与适应能力评估",
            "提前解除与延长期限",
        ),
        (
            "诊断评估包括生理脱毒、身心康复、行为表现、社会环境与适应能力等方面，结果分为合格和不合格。",
            "强制隔离戒毒执行满一年，诊断评估结果良好的，可以提出提前解除的意见；结果较差的，可以提出延长期限的意见。",
            "评估要以客观数据为依据，量表测评、尿检结果、日常考核和专业中心意见相互印证。",
            "评估结论应当告知戒毒人员本人，并说明理由和救济途径。",
        ),
    ),
    ProgrammeSpec(
        "JP16",
        "生理脱毒与戒断症状处置",
        MEDICAL_CENTRE,
        ("生理脱毒", "戒毒医疗"),
        (MEDICAL, ENFORCEMENT),
        (0,),
        (
            "入所体检",
            "阿片类戒断症状评估",
            "苯丙胺类戒断反应",
            "急性中毒的识别",
            "脱毒期护理",
            "戒断期的安全管理",
        ),
        (
            "生理脱毒期一般为两至四周，重点是控制戒断症状、治疗并发症和稳定情绪。",
            "阿片类戒断症状包括流泪、流涕、打哈欠、出汗、腹泻和骨骼肌肉疼痛，可用戒断症状量表评分。",
            "发现意识不清、呼吸变慢、针尖样瞳孔等阿片类过量表现时，应立即给予纳洛酮并呼叫医生。",
            "脱毒区实行二十四小时医护值守和民警巡查，重点防范自伤、冲突和逃跑。",
        ),
    ),
    ProgrammeSpec(
        "JP17",
        "美沙酮维持治疗与社区药物维持",
        MEDICAL_CENTRE,
        ("药物维持治疗", "社区康复", "戒毒医疗"),
        (MEDICAL, COMMUNITY),
        (3,),
        (
            "美沙酮维持治疗的原理",
            "入组条件与转介",
            "服药依从性管理",
            "漏服和外出服药",
            "药物相互作用",
            "纳洛酮的急救使用",
        ),
        (
            "美沙酮是一种长效阿片受体激动剂，每天口服一次，可以控制海洛因等阿片类物质的渴求和戒断症状。",
            "美沙酮维持治疗须在经批准的门诊进行，患者在医护人员监督下当场服药，不得带药离开。",
            "与苯二氮䓬类药物或酒精同时使用会加重呼吸抑制，增加过量死亡的风险。",
            "纳洛酮是阿片受体拮抗剂，可以迅速逆转阿片类药物过量引起的呼吸抑制，是急救的关键药物。",
            "社区禁毒专干要与美沙酮门诊建立信息互通，发现连续漏服的人员及时走访了解原因。",
        ),
    ),
    ProgrammeSpec(
        "JP18",
        "传染病防治",
        MEDICAL_CENTRE,
        ("卫生防疫", "戒毒医疗"),
        (MEDICAL, ENFORCEMENT),
        (0, 1),
        (
            "艾滋病的防治",
            "丙型肝炎的防治",
            "结核病的筛查",
            "职业暴露的处置",
            "病区的消毒隔离",
            "抗病毒治疗的衔接",
        ),
        (
            "戒毒人员入所时应当进行艾滋病、丙型肝炎、梅毒和结核病筛查，做到早发现、早治疗。",
            "民警在搜身、处置冲突时发生针刺伤或血液暴露，要立即冲洗、挤压伤口并在两小时内报告评估。",
            "感染者的信息依法保密，不得在公开场合谈论或张贴。",
            "出所前与疾控机构衔接，保证抗病毒治疗不中断。",
        ),
    ),
    ProgrammeSpec(
        "JP19",
        "社区戒毒社区康复工作",
        COMMUNITY_STATION,
        ("社区戒毒", "社区康复", "个案管理"),
        (COMMUNITY, VOLUNTEER),
        (3,),
        (
            "报到与协议签订",
            "社区戒毒社区康复工作流程",
            "定期尿检",
            "外出请假与变更居住地",
            "严重违反协议的处理",
            "工作台账与档案",
            "执行期满的解除",
        ),
        (
            "社区戒毒人员应当在十五日内到社区戒毒执行地乡（镇）人民政府、城市街道办事处报到。",
            "社区戒毒社区康复工作站与当事人签订协议，明确定期报告、接受检测和外出请假等要求。",
            "拒绝接受社区戒毒、在社区戒毒期间吸食注射毒品，或者严重违反社区戒毒协议的，由公安机关依法决定强制隔离戒毒。",
            "每一名社区戒毒社区康复人员都要建立一人一档，记录走访、尿检、帮扶和奖惩情况。",
        ),
        weight=14,
    ),
    ProgrammeSpec(
        "JP20",
        "后续照管与无缝衔接",
        COMMUNITY_STATION,
        ("后续照管", "回归社会"),
        (COMMUNITY, EDUCATION, MANAGEMENT),
        (3,),
        (
            "出所衔接的流程",
            "所地衔接工作机制",
            "出所前的回归指导",
            "出所后的首月帮扶",
            "后续照管站的建设",
            "复吸高风险人员的跟踪",
        ),
        (
            "解除强制隔离戒毒前一个月，戒毒所应当将人员信息通报户籍地或居住地的社区戒毒社区康复工作机构。",
            "无缝衔接要求做到人员、信息、手续和帮扶措施四个衔接，防止解除后脱管失控。",
            "出所后的头三个月是复吸高发期，社区禁毒专干应当加密走访和检测频次。",
            "后续照管站为解除人员提供心理咨询、就业推荐和同伴支持，帮助其融入社会。",
        ),
        weight=12,
    ),
    ProgrammeSpec(
        "JP21",
        "个案管理",
        COMMUNITY_STATION,
        ("个案管理", "社区康复"),
        (COMMUNITY, PSYCHOLOGY),
        (2, 3),
        (
            "个案评估",
            "个案服务计划",
            "个案会议",
            "资源链接",
            "个案记录的书写",
            "结案与转介",
        ),
        (
            "个案管理从全面评估开始，了解当事人的用药史、健康、家庭、就业和社会支持情况。",
            "个案服务计划的目标要具体、可衡量、可实现，并与当事人共同商定。",
            "遇到复杂个案时召开个案会议，邀请民警、医生、社工和家属共同研究。",
            "个案记录要客观、及时、简明，只写观察到的事实和采取的措施。",
        ),
    ),
    ProgrammeSpec(
        "JP22",
        "团体心理辅导",
        PSYCHOLOGY_CENTRE,
        ("心理矫治",),
        (PSYCHOLOGY, EDUCATION),
        (1, 2),
        (
            "心理辅导团体的组建",
            "团体契约",
            "破冰活动",
            "团体动力的运用",
            "团体中冲突的处理",
            "团体效果评估",
        ),
        (
            "团体心理辅导一般由八至十二人组成，每周一次，每次九十分钟，共八至十次。",
            "第一次活动要共同订立团体契约，包括保密、尊重、准时和不攻击他人。",
            "带领者关注团体气氛，鼓励成员相互反馈，让成员在关系中获得支持和成长。",
        ),
    ),
    ProgrammeSpec(
        "JP23",
        "心理危机干预",
        PSYCHOLOGY_CENTRE,
        ("危机干预", "安全管理"),
        (PSYCHOLOGY, ENFORCEMENT),
        (0, 1, 2),
        (
            "自杀风险评估",
            "危机干预六步法",
            "危机事件后的哀伤辅导",
            "民警的自我保护",
            "危机预警机制",
        ),
        (
            "危机干预六步法是确定问题、保证安全、给予支持、提出应对方式、制定计划和获得承诺。",
            "发现戒毒人员流露轻生念头时，要直接、平静地询问，并安排专人看护，不能让其独处。",
            "危机事件处置后，要对目睹事件的戒毒人员和民警进行心理疏导。",
            "建立民警、心理咨询师和医生共同参与的危机预警机制，重点关注家庭变故和刑事追诉等情况。",
        ),
    ),
    ProgrammeSpec(
        "JP24",
        "艺术矫治",
        EDUCATION_CENTRE,
        ("艺术矫治", "心理矫治"),
        (EDUCATION, REHAB),
        (1, 2),
        ("书法矫治", "绘画治疗", "音乐治疗", "手工制作", "戏剧与心理剧", "合唱团训练"),
        (
            "艺术矫治借助书法、绘画、音乐等活动，帮助戒毒人员表达情绪、稳定心境、培养耐心。",
            "绘画治疗不评价画得好坏，而是请作者讲述画中的故事，从中了解其内心感受。",
            "音乐放松训练选择节奏舒缓的乐曲，配合呼吸和想象，可改善焦虑和睡眠。",
        ),
    ),
    ProgrammeSpec(
        "JP25",
        "中华优秀传统文化教育",
        EDUCATION_CENTRE,
        ("传统文化", "教育矫正"),
        (EDUCATION,),
        (1, 2),
        (
            "孝道与家风",
            "诚信教育",
            "经典诵读",
            "传统节日教育",
            "修身与自律",
            "礼仪规范",
        ),
        (
            "传统文化教育以经典诵读、专题讲座和主题活动为载体，帮助戒毒人员重塑道德观念。",
            "结合春节、清明、中秋等传统节日开展亲情教育，唤起戒毒人员对家庭的责任感。",
            "讲授时要联系戒毒人员的亲身经历，把“孝”“信”“礼”落实到日常行为规范中。",
        ),
    ),
    ProgrammeSpec(
        "JP26",
        "亲情帮教",
        EDUCATION_CENTRE,
        ("家庭支持", "教育矫正"),
        (EDUCATION, COMMUNITY),
        (1, 2, 3),
        (
            "亲情会见的组织",
            "亲情电话管理",
            "家属开放日",
            "家属学校",
            "远程视频会见",
            "特困家庭帮扶",
        ),
        (
            "亲情帮教通过会见、通话、家属开放日等方式，发挥家庭在戒毒中的支持作用。",
            "家属学校向家属讲解成瘾知识和沟通方法，让家属学会既关心又不纵容。",
            "远程视频会见方便路途遥远的家属，会见前应核实身份并告知会见规定。",
        ),
    ),
    ProgrammeSpec(
        "JP27",
        "太极拳与八段锦康复操",
        REHAB_CENTRE,
        ("康复训练", "中医药"),
        (REHAB,),
        (1, 2),
        ("八段锦教学", "二十四式太极拳", "五禽戏", "呼吸导引", "传统功法的组织训练"),
        (
            "八段锦动作舒缓，强调呼吸与动作配合，适合体能较弱的戒毒人员在教育适应期练习。",
            "太极拳讲究以意导气、虚实分明，长期练习有助于改善平衡能力和情绪稳定性。",
            "传统功法训练每天安排二十至三十分钟，集体练习时配以口令和音乐。",
        ),
    ),
    ProgrammeSpec(
        "JP28",
        "沙盘游戏治疗",
        PSYCHOLOGY_CENTRE,
        ("心理矫治",),
        (PSYCHOLOGY,),
        (1, 2),
        (
            "沙盘室的设置",
            "沙盘的初始画面",
            "沙盘主题分析",
            "团体沙盘",
            "沙盘记录与反馈",
        ),
        (
            "沙盘游戏治疗让来访者在沙箱中摆放沙具，表达难以用语言说出的内心世界。",
            "咨询师以陪伴和见证为主，不打断、不解释，结束后与来访者一起回顾作品。",
            "每次沙盘作品应拍照存档，连续观察沙盘主题的变化，评估矫治进展。",
        ),
    ),
    ProgrammeSpec(
        "JP29",
        "新精神活性物质识别与防范",
        EDUCATION_CENTRE,
        ("毒品认知", "预防教育"),
        (COMMUNITY, ENFORCEMENT, VOLUNTEER),
        (1,),
        (
            "新精神活性物质概述",
            "合成大麻素",
            "卡西酮类物质",
            "含依托咪酯的电子烟",
            "校园毒品预防",
        ),
        (
            "新精神活性物质是不法分子为逃避管制而修改化学结构得到的物质，被称为“第三代毒品”。",
            "合成大麻素常被喷涂在烟丝或电子烟油中，吸食后可出现心动过速、抽搐和精神错乱。",
            "我国已对芬太尼类物质和合成大麻素类物质实行整类列管。",
            "开展预防宣传时要讲清新型毒品的伪装形式，提醒青少年不接受陌生人提供的“电子烟”和饮料。",
        ),
    ),
    ProgrammeSpec(
        "JP30",
        "合成毒品所致精神障碍处置",
        MEDICAL_CENTRE,
        ("戒毒医疗", "危机干预"),
        (MEDICAL, PSYCHOLOGY, ENFORCEMENT),
        (0, 1),
        (
            "精神症状的早期识别",
            "冲动行为的风险评估",
            "约束与保护的规范",
            "精神科会诊与转诊",
            "抗精神病药物的使用",
        ),
        (
            "长期滥用甲基苯丙胺可导致幻听、被害妄想和冲动攻击，症状可在停用后持续数周。",
            "出现明显精神症状的人员要安排医生评估，必要时请精神科会诊或转诊。",
            "实施保护性约束必须有医嘱，记录起止时间，定时观察肢体血运，约束时间尽量缩短。",
        ),
    ),
    ProgrammeSpec(
        "JP31",
        "执法规范化",
        EDUCATION_CENTRE,
        ("执法规范", "法律法规"),
        (ENFORCEMENT, MANAGEMENT),
        (0, 1, 2, 3),
        (
            "收治环节",
            "人身和物品检查",
            "分期分区转段",
            "所外就医",
            "探访与通信",
            "奖惩考核",
            "解除出所",
            "执法文书制作",
        ),
        (
            "强制隔离戒毒执法共有二十一个执法环节、七十余个关键细节，每一名大队民警都要熟练掌握。",
            "收治时应当核对强制隔离戒毒决定书，对人身和携带物品进行检查，检查女性身体须由女性工作人员进行。",
            "所有执法行为都要在执法管理系统中及时录入，执法记录仪全程记录，做到有据可查。",
            "执法文书要使用规范格式，事实清楚、依据准确、手续完备。",
        ),
        weight=14,
    ),
    ProgrammeSpec(
        "JP32",
        "安全管理与应急处置",
        EDUCATION_CENTRE,
        ("安全管理",),
        (ENFORCEMENT, MANAGEMENT),
        (0, 1, 2, 3),
        (
            "安全风险排查",
            "清监与搜查",
            "突发疾病的应急处置",
            "群体性事件的处置",
            "消防安全",
            "应急预案演练",
        ),
        (
            "安全管理坚持“预防为主、防治结合”，每日清点人数，每周开展安全检查。",
            "发生突发事件时，现场民警应当立即报告，控制现场，按预案组织处置，不得擅自离岗。",
            "应急预案每半年至少演练一次，演练后要总结问题并修订预案。",
        ),
    ),
    ProgrammeSpec(
        "JP33",
        "戒毒人员权益保障",
        EDUCATION_CENTRE,
        ("法律法规", "执法规范"),
        (ENFORCEMENT, MANAGEMENT, COMMUNITY),
        (0, 1, 2, 3),
        (
            "人格尊严的保护",
            "申诉与控告",
            "法律援助",
            "生活卫生保障",
            "个人隐私保护",
        ),
        (
            "戒毒人员的人格不受侮辱，人身安全、合法财产和辩护、申诉、控告、检举等权利不受侵犯。",
            "戒毒人员的申诉、控告材料应当及时转递，不得扣押。",
            "对戒毒人员的个人信息和戒毒记录依法保密，社区戒毒社区康复人员在就学、就业等方面不受歧视。",
        ),
    ),
    ProgrammeSpec(
        "JP34",
        "女性戒毒人员专项矫治",
        EDUCATION_CENTRE,
        ("专项矫治", "心理矫治"),
        (EDUCATION, PSYCHOLOGY, MEDICAL),
        (1, 2),
        ("女性成瘾的特点", "母婴健康", "创伤知情矫治", "女性自我保护", "亲子沟通"),
        (
            "女性戒毒人员更多地经历过家庭暴力和性创伤，矫治中要采用创伤知情的工作方式。",
            "女性戒毒人员的管理和人身检查由女性民警负责。",
            "关注女性戒毒人员子女的照料情况，必要时协调民政部门和社会组织给予帮助。",
        ),
        weight=8,
    ),
    ProgrammeSpec(
        "JP35",
        "青少年戒毒人员帮教",
        EDUCATION_CENTRE,
        ("专项矫治", "预防教育", "家庭支持"),
        (EDUCATION, COMMUNITY),
        (1, 2, 3),
        ("青少年成瘾的特点", "同伴影响", "文化补习", "生涯规划", "家校社联动"),
        (
            "青少年戒毒人员可塑性强，矫治中要突出文化教育和生涯规划。",
            "同伴压力是青少年初次吸毒的主要原因，帮教要帮助其建立新的朋友圈。",
            "对未成年人的戒毒记录依法保密，帮助其复学或就业。",
        ),
        weight=8,
    ),
    ProgrammeSpec(
        "JP36",
        "就业指导与回归社会",
        EDUCATION_CENTRE,
        ("回归社会", "职业技能"),
        (COMMUNITY, EDUCATION),
        (3,),
        ("求职技巧", "模拟面试", "创业扶持政策", "社会保障办理", "安置帮教"),
        (
            "回归指导期开展就业指导，教授简历写作、面试礼仪和劳动合同知识。",
            "协调人力资源部门和爱心企业提供就业岗位，落实就业援助和社会保险政策。",
            "出所人员到社区报到后，社区禁毒专干应当帮助其办理身份证明、医保等手续。",
        ),
    ),
    ProgrammeSpec(
        "JP37",
        "禁毒志愿服务",
        COMMUNITY_STATION,
        ("预防教育", "社区康复"),
        (VOLUNTEER, COMMUNITY),
        (3,),
        ("志愿者的招募与培训", "禁毒宣传活动", "同伴教育", "志愿服务记录"),
        (
            "禁毒志愿者在社区禁毒专干的组织下开展宣传、帮扶和关爱活动。",
            "同伴教育由保持操守多年的康复人员分享经历，更容易得到戒毒人员的信任。",
            "志愿者要遵守保密要求，不打听、不传播服务对象的个人信息。",
        ),
        weight=8,
    ),
    ProgrammeSpec(
        "JP38",
        "习艺劳动与劳动康复",
        REHAB_CENTRE,
        ("职业技能", "康复训练"),
        (REHAB, ENFORCEMENT),
        (2,),
        ("劳动康复的组织", "劳动安全", "劳动报酬管理", "劳动习惯养成"),
        (
            "习艺劳动以康复和习艺为目的，劳动时间和强度应当与戒毒人员的身体状况相适应。",
            "劳动现场要落实安全防护措施，新上岗人员先培训后上岗。",
            "劳动报酬按规定发放和管理，不得克扣。",
        ),
        weight=8,
    ),
    ProgrammeSpec(
        "JP39",
        "睡眠与营养康复",
        MEDICAL_CENTRE,
        ("戒毒医疗", "康复训练"),
        (MEDICAL, REHAB),
        (0, 1, 2),
        ("睡眠障碍的评估", "睡眠卫生教育", "营养评估", "膳食搭配", "体重管理"),
        (
            "失眠是戒断后最常见的稽延症状之一，应首先进行睡眠卫生教育，谨慎使用安眠药物。",
            "营养评估包括体重指数、饮食习惯和贫血等指标，营养不良者应调整膳食。",
            "规律作息、白天适量运动和睡前放松训练，有助于恢复正常的睡眠节律。",
        ),
        weight=8,
    ),
    ProgrammeSpec(
        "JP40",
        "智慧戒毒与信息化",
        ASSESSMENT_CENTRE,
        ("科技戒毒", "执法规范"),
        (MANAGEMENT, ASSESSMENT, ENFORCEMENT),
        (0, 1, 2, 3),
        (
            "执法管理系统的使用",
            "戒治数据的采集",
            "智慧戒毒平台数据报送",
            "数据安全与保密",
            "远程诊疗与会见",
        ),
        (
            "智慧戒毒平台汇集收治、戒治、诊断评估和解除的数据，逐级报送到部级平台。",
            "数据录入要及时、准确、完整，不得补录、代录或篡改。",
            "戒毒人员信息属于敏感个人信息，系统账号实行实名管理，严禁转借。",
        ),
        weight=8,
    ),
)

# Sentences every programme's lessons draw on.
INTRO_SENTENCES = (
    "{programme}是“1·10·100·1000”教育戒治资源建设确定的 40 个精品教育项目之一。",
    "本课围绕“{subject}”展开，是{programme}项目课程体系的组成部分。",
    "在全国统一戒治模式下，{programme}主要在{phase}实施，由{centre}牵头组织。",
    "学习本课，有助于{audience}把{programme}的方法用到日常工作中。",
    "掌握{subject}，是{audience}在岗位大练兵中的一项基本功。",
)
PRACTICE_SENTENCES = (
    "实施前，{centre}应当查阅戒毒人员的诊断评估结果，确认其身体和心理状况适合参加。",
    "每次活动结束后，带班民警要在执法管理系统中记录参加人员、时长和表现，作为诊断评估的依据。",
    "对于仍在{zone}的戒毒人员，应以适应性内容为主，循序渐进地增加强度。",
    "大队应当把{programme}纳入个别矫治计划，做到一人一策、动态调整。",
    "活动中发现戒毒人员情绪异常或有自伤倾向时，应立即停止并报告心理矫治中心。",
    "{centre}每月与大队召开一次联席会，通报{programme}的开展情况和个案进展。",
    "开展{programme}时，民警与专业人员分工明确：民警负责现场秩序和安全，"
    "专业人员负责内容和指导。",
    "开展{programme}前要准备好场地、器材和签到表，场地应当明亮、安静、通风。",
)
KNOWLEDGE_SENTENCES = (
    "美沙酮维持治疗是阿片类物质依赖者的替代治疗方法，须在有资质的门诊按时服药，不能擅自加量或停药。",
    "纳洛酮是阿片类药物过量的急救药物，工作人员应当知道它放在哪里、何时使用，并立即呼叫急救。",
    "四期四区是全国统一戒治模式的核心：生理脱毒期、教育适应期、康复巩固期和回归指导期分别在对应的功能区开展。",
    "正念防复发把正念练习与认知行为方法结合起来，帮助戒毒人员觉察渴求而不被渴求驱动。",
    "《中华人民共和国禁毒法》规定，戒毒措施包括自愿戒毒、社区戒毒、强制隔离戒毒和社区康复。",
    "依照《戒毒条例》，社区戒毒的期限为三年，社区康复的期限不超过三年。",
    "强制隔离戒毒的期限为二年；执行一年后诊断评估结果良好的，可以提前解除。",
    "冰毒（甲基苯丙胺）等合成毒品主要损害中枢神经系统，长期滥用可导致幻觉、妄想等精神症状。",
    "海洛因属于阿片类毒品，依赖性极强，突然停用会出现流泪、打哈欠、骨骼肌肉疼痛等戒断症状。",
    "复吸多发生在解除强制隔离戒毒后的头三个月内，这一时期的后续照管尤其重要。",
    "戒毒所的五大专业中心是戒毒医疗中心、教育矫正中心、心理矫治中心、康复训练中心和诊断评估中心。",
    "经颅磁刺激、VR渴求评估等科技戒毒手段，要与心理矫治和康复训练结合使用，"
    "不能替代教育矫正。",
    "运动戒毒、中医药戒毒和内观疗法都是经过实践检验的戒治方法，各单位可以结合实际选用。",
)
CLOSING_SENTENCES = (
    "{audience}要做到应知应会：掌握{subject}的要点和注意事项，能够在工作中正确运用。",
    "课后请结合本单位实际，写一份不少于 300 字的学习体会，交大队教育民警。",
    "本课内容纳入应知应会测试和综合业务考核。",
    "学完本课后，可继续学习{programme}项目的其他课程，形成完整的知识体系。",
    "工作中遇到本课没有涉及的情况，应当及时向{centre}请示，不得自行其是。",
)
CASE_SENTENCES = (
    "【案例】戒毒人员{surname}某，{sex}，{age}岁，因吸食{drug}被决定强制隔离戒毒二年。",
    "入所时{surname}某{symptom}，{centre}在{phase}为其制定了以{programme}为主的个别矫治方案。",
    "经过{months}个月的矫治，{surname}某{improvement}。",
    "【分析】本案例说明，{programme}要与诊断评估、家庭支持和后续照管结合，才能巩固戒治效果。",
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董"
DRUGS = (
    "海洛因",
    "甲基苯丙胺（冰毒）",
    "氯胺酮",
    "合成大麻素",
    "甲基苯丙胺片剂（麻古）",
)
SYMPTOMS = (
    "睡眠差、情绪低落，对戒治缺乏信心",
    "渴求强烈，多次提到出所后“再用一次”",
    "与家人关系紧张，拒绝亲情会见",
    "体能较差，伴有焦虑和易激惹",
    "否认成瘾，认为自己“想戒随时能戒”",
)
IMPROVEMENTS = (
    "能够主动识别渴求并用所学方法应对，诊断评估各项指标达到要求",
    "与家人恢复联系，出所后在社区康复期间尿检均为阴性",
    "体能测评由不合格提高到良好，睡眠和情绪明显改善",
    "取得了职业技能等级证书，出所后在当地企业就业",
)
SUMMARIES = (
    "本课介绍{subject}的基本内容和操作要求，帮助{audience}在{phase}规范开展{programme}。",
    "围绕{subject}，讲解{programme}的原理、步骤和注意事项。",
    "结合戒治实践，说明{subject}在{programme}中的作用和实施方法。",
)

# Title patterns: (pattern, format or None for any, uses a phase).
ANGLES = (
    ("{s}", None, False),
    ("{s}的基本原理", "text", False),
    ("{s}的操作要点", "text", False),
    ("{s}：常见问题与对策", "text", False),
    ("{s}在{phase}的应用", "text", True),
    ("{s}示范教学", "video", False),
    ("{s}微课", "video", False),
    ("{s}典型案例分析", "case", False),
    ("{s}工作规范", "document", False),
    ("{s}实训指导", "document", False),
    ("{s}进阶训练", "video", False),
)
FORMAT_LABELS = {"text": "图文", "video": "视频", "document": "文档", "case": "案例"}
# Class-hours by format, as the bank's lessons are: short videos, longer cases.
HOURS_BY_FORMAT = {
    "text": (0.5, 1, 1, 1, 1, 1.5, 2),
    "video": (0.5, 0.5, 1, 1, 1.5),
    "document": (0.5, 1, 1),
    "case": (1, 1.5, 2, 2),
}
PART_NUMERALS = "二三四五六七八九十"


# --------------------------------------------------------------------- generation


def _titles(spec: ProgrammeSpec, seed: int) -> list[tuple[str, str | None, int, str]]:
    """Every (title, format, phase index, subject) of a programme, in a seeded
    order, so that a programme repeats a title only once all are used."""
    combos = []
    for subject in spec.subjects:
        for pattern, fmt, by_phase in ANGLES:
            phases = spec.phases if by_phase else (spec.phases[0],)
            for phase in phases:
                title = pattern.format(s=subject, phase=PHASES[phase][0])
                combos.append((title, fmt, phase, subject))
    random.Random(f"{seed}-{spec.code}").shuffle(combos)
    return combos


def _fill(rng: random.Random, templates, count: int, slots: dict) -> str:
    return "".join(t.format(**slots) for t in rng.sample(templates, count))


def _lesson(
    rng: random.Random, number: int, spec: ProgrammeSpec, combo, part: int
) -> dict[str, object]:
    title, fmt, phase_index, subject = combo
    if part:
        title = f"{title}（{PART_NUMERALS[(part - 1) % len(PART_NUMERALS)]}）"
    fmt = fmt or rng.choice(("text", "text", "video"))
    phase, zone = PHASES[phase_index]
    positions = rng.sample(spec.positions, rng.randint(1, len(spec.positions)))
    if COMMUNITY not in positions and rng.random() < 0.15:
        positions.append(COMMUNITY)
    positions.sort(key=POSITION_NAMES.index)
    slots = {
        "programme": spec.name,
        "subject": subject,
        "phase": phase,
        "zone": zone,
        "centre": spec.centre,
        "audience": AUDIENCE[positions[0]],
    }
    paragraphs = [
        _fill(rng, INTRO_SENTENCES, 2, slots),
        "".join(rng.sample(spec.facts, min(len(spec.facts), rng.randint(2, 3)))),
        _fill(rng, PRACTICE_SENTENCES, rng.randint(2, 3), slots),
    ]
    if fmt == "case":
        case = {
            **slots,
            "surname": rng.choice(SURNAMES),
            "sex": rng.choice(("男", "男", "女")),
            "age": rng.randint(19, 52),
            "drug": rng.choice(DRUGS),
            "symptom": rng.choice(SYMPTOMS),
            "months": rng.randint(3, 14),
            "improvement": rng.choice(IMPROVEMENTS),
        }
        paragraphs[1:1] = ["".join(t.format(**case) for t in CASE_SENTENCES[:3])]
        paragraphs.append(CASE_SENTENCES[3].format(**case))
    if rng.random() < 0.6:
        paragraphs.append("".join(rng.sample(KNOWLEDGE_SENTENCES, rng.randint(1, 2))))
    paragraphs.append(_fill(rng, CLOSING_SENTENCES, rng.randint(1, 2), slots))
    hours = rng.choice(HOURS_BY_FORMAT[fmt])
    minutes = max(1, min(600, round(hours * 45) + rng.randint(-5, 5)))
    topics = list(spec.topics[: rng.randint(1, len(spec.topics))])
    if rng.random() < 0.25:
        extra = rng.choice(TOPICS_VOCABULARY)
        if extra not in topics:
            topics.append(extra)
    return {
        CODE: f"{CODE_PREFIX}-{number:05d}",
        TITLE: title,
        PROGRAMME: f"{spec.code}|{spec.name}",
        FORMAT: FORMAT_LABELS[fmt],
        CLASS_HOURS: hours,
        MINUTES: minutes,
        TOPICS: "、".join(topics),
        POSITIONS: "、".join(positions),
        SUMMARY: rng.choice(SUMMARIES).format(**slots),
        BODY: "\n".join(paragraphs),
    }


def resource_bank_generate(*, count: int = BANK_SIZE, seed: int = 1) -> list[dict]:
    """`count` lessons as rows of the import format ({column: value}).

    The same seed gives the same rows, and row n does not depend on `count`.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    rng = random.Random(seed)
    weights = [spec.weight for spec in PROGRAMMES]
    titles: dict[str, list] = {}
    used: dict[str, int] = {}
    rows = []
    for number in range(1, count + 1):
        spec = rng.choices(PROGRAMMES, weights)[0]
        combos = titles.setdefault(spec.code, _titles(spec, seed))
        k = used.get(spec.code, 0)
        used[spec.code] = k + 1
        rows.append(
            _lesson(rng, number, spec, combos[k % len(combos)], k // len(combos))
        )
    return rows


def resource_bank_write(*, path: Path | str, count: int = BANK_SIZE, seed: int = 1):
    """Write the generated bank as an .xlsx in the import format."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lessons_workbook(resource_bank_generate(count=count, seed=seed)).save(path)
    return path


def resource_bank_load(
    *,
    bank,
    count: int = BANK_SIZE,
    seed: int = 1,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> LessonImportSummary:
    """Generate `count` lessons and import them into `bank` through the lesson
    import, exactly as an administrator's spreadsheet would be."""
    sheet = lessons_from_records(records=resource_bank_generate(count=count, seed=seed))
    return lessons_apply(bank=bank, sheet=sheet, dry_run=dry_run, progress=progress)


def resource_bank_demo_load(*, bank, count: int = 60) -> LessonImportSummary:
    """The demo's share of the bank: its first `count` lessons (idempotent)."""
    return resource_bank_load(bank=bank, count=count, seed=1)
