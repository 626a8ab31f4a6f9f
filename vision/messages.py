"""User-facing Chinese messages of the vision package, in one place."""

NOT_AN_IMAGE = "无法识别的图片：请上传 JPEG、PNG 或 WebP 格式的照片。"
EMPTY_IMAGE = "图片是空的（大小为 0）：请重新拍照上传。"
TOO_SMALL = "图片太小（{width}×{height} 像素），看不清：请靠近表盘重新拍照。"
TOO_LARGE = "图片像素过多（{pixels} 万像素），超过 {limit} 万像素的上限：请缩小后再上传。"
TOO_LARGE_UNKNOWN = "图片像素过多，超过 {limit} 万像素的上限：请缩小后再上传。"
UNSUPPORTED_TYPE = "不支持的输入类型 {kind}：请传入图片文件内容或 PIL 图片。"

# Whole meter photos: what went wrong and how to take a better one.
NOT_A_PHOTO = (
    "文件不是照片：请上传 JPEG、PNG、WebP 或 HEIC 格式的水表照片（按文件内容识别，改扩展名无效）。"
)
PHOTO_TOO_BIG = "照片太大（{size:.1f} MB），超过 {limit} MB 的上限：请在相机设置中调低分辨率后重拍，或压缩后再上传。"
PHOTO_TOO_SMALL = (
    "照片太小（{width}×{height} 像素），看不清读数：请靠近水表、让表盘占满画面大部分后重拍。"
)
TOO_DARK = "照片太暗，看不清读数：请打开手电或闪光灯，或在光线充足时重拍，注意不要让反光遮住数字。"
TOO_BLURRY = "照片模糊，看不清读数：请对准表盘对焦、拿稳手机，必要时擦净表盘玻璃后重拍。"
NO_METER = "没有在照片中找到水表的计数窗口：请让表盘正对镜头、计数窗口（黑色或红色数字）清晰完整地出现在画面中央后重拍。"
WRONG_DIGIT_COUNT = "只看清了计数窗口中的 {found} 位数字（应有 {expected} 位）：请让整个计数窗口完整出现在画面中，避免遮挡或反光后重拍。"

# Why a reading was or was not accepted on the photo alone (vision.meter, the API's `reason`).
READ_CLEAR = "读数清晰，字轮与指针表盘相互印证"
READ_WHOLE = (
    "整数部分清晰，已按 {value} 立方米入账；指针表盘上的小数部分看得不够准，"
    "这次不计，会在下次抄表时一并计入"
)
PLACES_UNCLEAR = "{places}不够清晰"
WHEEL_TURNING = "（字轮正在翻转）"
DIALS_DISAGREE = "指针表盘之间读数不一致"
NOT_SURE_ENOUGH = "读数把握不足"
PLEASE_CONFIRM = "{why}，请核对读数是否与水表一致"
TO_REVIEW = "{why}，已转人工复核"
DIALS_MISSING = "未能找到全部指针表盘，小数部分无法读取"
