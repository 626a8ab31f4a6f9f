"""User-facing Chinese messages of the vision package, in one place."""

NOT_AN_IMAGE = "无法识别的图片：请上传 JPEG、PNG 或 WebP 格式的照片。"
EMPTY_IMAGE = "图片是空的（大小为 0）：请重新拍照上传。"
TOO_SMALL = "图片太小（{width}×{height} 像素），看不清：请靠近表盘重新拍照。"
TOO_LARGE = "图片像素过多（{pixels} 万像素），超过 {limit} 万像素的上限：请缩小后再上传。"
TOO_LARGE_UNKNOWN = "图片像素过多，超过 {limit} 万像素的上限：请缩小后再上传。"
UNSUPPORTED_TYPE = "不支持的输入类型 {kind}：请传入图片文件内容或 PIL 图片。"
