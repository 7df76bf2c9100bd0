"""Question tags as a reader sees them: the bank's slugs in English, their names in Chinese.

Every tag used in the bank has a Chinese name here (tests/test_show_zh.py checks that);
method names that Chinese texts also write in Latin letters (LEEP, LogME, CORAL) keep them.
"""

from __future__ import annotations

ZH = {
    "adabn": "AdaBN",
    "applications": "应用场景",
    "batch-norm": "BatchNorm",
    "bayesian": "贝叶斯",
    "class-imbalance": "类别不平衡",
    "coding": "编程",
    "computer-vision": "计算机视觉",
    "coral": "CORAL",
    "dann": "DANN",
    "discriminative-learning-rates": "分层学习率",
    "distribution-shift": "分布偏移",
    "label-shift": "标签偏移",
    "importance-weighting": "重要性加权",
    "domain-adaptation": "领域自适应",
    "domains": "领域",
    "evaluation": "评估",
    "experiment-design": "实验设计",
    "feature-extraction": "特征提取",
    "fine-tuning": "微调",
    "freezing": "冻结",
    "fundamentals": "基础概念",
    "house-prices": "房价预测",
    "image-classification": "图像分类",
    "l2-sp": "L2-SP",
    "leep": "LEEP",
    "linear-probe": "线性探测",
    "logme": "LogME",
    "mmd": "MMD",
    "motivation": "动机",
    "multimodal": "多模态",
    "negative-transfer": "负迁移",
    "nlp": "自然语言处理",
    "peft": "参数高效微调",
    "prior": "先验",
    "regression": "回归",
    "regularization": "正则化",
    "source-selection": "源任务选择",
    "speech": "语音",
    "target-transform": "目标变换",
    "task-affinity": "任务亲和度",
    "transfer-rate": "迁移率",
    "transferability": "可迁移性",
}


def tag_label(tag: str, lang: str) -> str:
    return ZH.get(tag, tag) if lang == "zh" else tag


def tags_line(tags, lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(tag_label(t, lang) for t in tags)
