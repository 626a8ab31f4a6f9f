"""Chinese text normalisation and tokenisation for BM25: jieba with a water-utility user dictionary,
colloquial/variant words folded onto one term, and character bigrams so a single wrong character
(同音错字) still leaves most of a word matchable."""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

RESOURCES = Path(__file__).resolve().parent / "resources"

# Variant or colloquial word → the term the content uses. Applied to documents and queries
# alike, so it only ever merges, never invents.
SYNONYMS: dict[str, str] = {
    # units and money
    "吨": "立方米", "方": "立方米", "立方": "立方米", "立方米": "立方米", "m3": "立方米",
    "交": "缴", "交费": "缴费", "缴纳": "缴", "交钱": "缴费", "付钱": "缴费", "付款": "缴费",
    "交水费": "缴费", "水钱": "水费", "贵": "高", "偏高": "高", "暴涨": "高",
    # accounts
    "改名": "过户", "更名": "过户", "换名字": "过户", "改户名": "过户",
    "立户": "开户", "开通": "开户", "报装": "开户",
    "注销": "销户",
    # payment
    "自动扣款": "代扣", "自动扣费": "代扣", "扣款": "代扣", "划扣": "代扣", "代缴": "代扣",
    "违约金": "滞纳金", "罚款": "滞纳金", "罚金": "滞纳金", "逾期费": "滞纳金",
    # reading and meters
    "水表": "水表", "表": "水表", "水标": "水表", "读表": "抄表", "查表": "抄表",
    "远传表": "智能水表", "远传水表": "智能水表", "智能表": "智能水表",
    "验表": "检定", "校表": "检定", "检测": "检测", "校验": "检定",
    # leaks, frost, quality, outages
    "跑水": "漏水", "渗水": "漏水", "滴水": "漏水", "漏": "漏水", "暗漏": "漏水",
    "结冰": "冻", "冻住": "冻", "冻上": "冻", "冻裂": "冻", "冻坏": "冻", "冰冻": "冻",
    "爆裂": "爆管", "爆了": "爆管", "水管爆": "爆管",
    "发黄": "黄水", "黄色": "黄水", "锈水": "黄水", "黄汤": "黄水", "浑浊": "黄水",
    "漂白粉味": "氯味", "消毒水味": "氯味", "漂白粉": "氯味", "消毒水": "氯味", "余氯": "氯味",
    "断水": "停水", "没水": "停水", "不来水": "停水", "没有水": "停水",
    "水小": "水压", "水流小": "水压",
    # people and help
    "真人": "人工", "客服": "人工", "人工客服": "人工", "坐席": "人工",
    "电话号码": "电话", "号码": "电话",
    "低保户": "低保", "困难户": "低保", "特困户": "特困",
    "人多": "多人口", "人口多": "多人口", "口人": "人口",
}

# Function words and chat filler that carry no topic; single CJK characters are dropped except
# these, which are topic words on their own.
STOPWORDS = set(
    ["的", "了", "吗", "呢", "啊", "呀", "吧", "嘛", "哦", "哈", "么", "是", "我", "你", "他", "她", "它", "我们", "你们", "他们", "咱", "俺", "家", "我家", "这", "那", "这个", "那个", "什么", "怎么", "怎么办", "怎样", "如何", "为什么", "为啥", "咋", "咋办", "啥", "哪", "哪里", "哪儿", "多少", "几", "能", "能不能", "可以", "可不可以", "要", "想", "请问", "请", "问", "一下", "一个", "有", "没", "不", "都", "也", "就", "还", "又", "在", "和", "跟", "与", "及", "或", "等", "把", "被", "给", "让", "会", "该", "得", "地", "着", "过", "吧", "呗", "嗯", "喂", "您", "好", "谢谢", "麻烦", "帮", "帮忙", "帮我", "一直", "现在", "今天", "已经", "应该", "需要", "需不需要", "是不是", "有没有", "怎么样", "之类", "然后", "所以", "但是", "因为", "如果", "这么", "那么", "个", "上", "下", "里", "中", "后", "前", "时", "时候", "的话", "一点", "点", "些", "一些"]
)
KEEP_SINGLE = set(["水", "表", "费", "钱", "冻", "漏", "黄", "氯", "电", "气", "税", "卡", "人", "户", "阀", "管", "价", "吨", "方", "缴", "交", "退", "高", "味", "臭", "锈"])

_CJK = re.compile(r"[\u4e00-\u9fff]+")
_WORD = re.compile(r"[\u4e00-\u9fff]+|[a-z0-9]+(?:\.[0-9]+)?")

_lock = threading.Lock()


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()  # our own instance: the app's other jieba users keep theirs
    with _lock:
        tok.load_userdict(str(RESOURCES / "water_dict.txt"))
        tok.initialize()
    return tok


def normalise(text: str) -> str:
    """Full-width → half-width, lower case, traditional-looking punctuation unified."""
    return unicodedata.normalize("NFKC", text).lower().strip()


def words(text: str) -> list[str]:
    """Topic words in order, synonyms folded, filler dropped."""
    out: list[str] = []
    for token in _jieba().lcut_for_search(normalise(text)):
        token = token.strip()
        if not token or not _WORD.fullmatch(token):
            continue
        token = SYNONYMS.get(token, token)
        if token in STOPWORDS:
            continue
        if len(token) == 1 and _CJK.fullmatch(token) and token not in KEEP_SINGLE:
            continue
        out.append(token)
    return out


def bigrams(text: str) -> list[str]:
    grams: list[str] = []
    for run in _CJK.findall(normalise(text)):
        grams.extend("~" + run[i : i + 2] for i in range(len(run) - 1))
    return grams


def tokens(text: str, with_bigrams: bool = True) -> list[str]:
    """What BM25 indexes: words plus (optionally) character bigrams, marked so they never
    collide with a two-character word."""
    return words(text) + (bigrams(text) if with_bigrams else [])


# Other utilities and public services residents also ask a water utility's assistant about. A
# question naming one of them is very likely not ours even when it shares words with an entry
# ("电费阶梯怎么算", "燃气表没电了"); the re-ranker learns how much to trust this.
OTHER_SERVICES = (
    "电费", "电表", "用电", "供电", "电力", "燃气", "天然气", "煤气", "液化气", "暖气", "供暖", "采暖",
    "物业费", "宽带", "网费", "话费", "手机卡", "有线电视", "医保", "社保", "公积金", "驾照",
    "停车", "电梯", "垃圾", "地铁", "公交", "快递", "退货", "房价", "廉租房", "招聘", "股票",
)


def other_service(text: str) -> bool:
    t = normalise(text)
    return any(word in t for word in OTHER_SERVICES)
