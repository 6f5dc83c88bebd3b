"""Official documents as PDF (GB/T 9704-2012 layout), rendered from JSON models with
`ducha document render`: text, page size, page numbers, the red header, and a golden image of the
first page at 20 dpi. DUCHA_UPDATE_GOLDEN=1 rewrites the golden images (look at them first)."""
import os
import re
import shutil
import subprocess

import pytest

from docs_util import DOCS, first_page_png, image_difference, pdf_info, pdf_text, read_png, render

NOTICE = os.path.join(DOCS, "model_notice.json")
LIST = os.path.join(DOCS, "model_list.json")
GOLDEN = os.path.join(DOCS, "golden")


def squash(text):
    """pdftotext output without spaces and line breaks (CJK lines break anywhere)."""
    return re.sub(r"\s+", "", text)


EXPECTED = {
    "notice": (NOTICE, ["古城县人民政府办公室文件", "古督〔2026〕15号", "关于督办城区主干道路面修复工程的通知",
                        "古城县交通运输局、古城县住房和城乡建设局、古城县水利局：", "配合（分管领导：李副县长）。", "一、督办内容", "二、办理要求",
                        "请于2026年12月31日前办结", "收到本通知后1日内（2026年11月4日前）签收，签收后1日内研究部署，"
                        "7日内（2026年11月10日前）书面反馈阶段性进展；确因客观原因", "三、阶段目标", "2026年11月20日前完成", "2026年11月23日",
                        "抄送：县政府分管领导。", "2026年11月23日印发", "—1—", "—2—"]),
    "reminder": (NOTICE, ["古城县人民政府办公室文件", "古督〔2026〕15号", "关于催办城区主干道路面修复工程的通知",
                          "于2026年11月3日以古督〔2026〕15号交办", "已超过办结时限3天", "当前办理进度为40%",
                          "2026年11月23日"]),
    "record": (NOTICE, ["督办事项办理情况", "古督〔2026〕15号", "县政府第12次常务会议议定事项", "古城县交通运输局",
                        "李副县长", "2026年12月31日", "承办中（黄灯，进度40%）", "阶段目标", "完成人民路修复",
                        "2026年11月18日完成", "进展报告", "办理过程", "2026年11月2日09:30", "办结答复",
                        "（一）古城县交通运输局（牵头单位）", "签章人：孙局长", "印章指纹：3f9a2c41d07be5a8", "2026年12月21日",
                        "（二）古城县住房和城乡建设局（责任单位）", "已配合完成沿线排水设施改造。", "（单位主要负责人尚未核签）"]),
    "list": (LIST, ["督办事项清单", "截至2026年11月23日", "共3项", "筛选条件：牵头单位：古城县交通运输局",
                    "古督〔2026〕15号", "古督〔2026〕16号", "古督〔2026〕17号", "农村公路安全生命防护工程", "红灯10%",
                    "2027-03-31"]),
}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    d = tmp_path_factory.mktemp("pdf")
    out = {}
    for kind, (model, _) in EXPECTED.items():
        path = str(d / f"{kind}.pdf")
        p = render(kind, model, path)
        assert p.returncode == 0, p.stderr
        out[kind] = path
    return out


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_pdf_text_and_a4(rendered, kind):
    text = squash(pdf_text(rendered[kind]))
    missing = [s for s in EXPECTED[kind][1] if squash(s) not in text]
    assert missing == [], text[:3000]
    info = pdf_info(rendered[kind])
    assert "A4" in info["Page size"] and "595.276 x 841.89" in info["Page size"], info["Page size"]


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_pdf_first_page_matches_golden(rendered, kind, tmp_path):
    png = first_page_png(rendered[kind], str(tmp_path / kind))
    golden = os.path.join(GOLDEN, f"{kind}.png")
    if os.environ.get("DUCHA_UPDATE_GOLDEN"):
        os.makedirs(GOLDEN, exist_ok=True)
        shutil.copy(png, golden)
    mean, share = image_difference(png, golden)
    assert mean < 2.0 and share < 0.01, f"first page differs from {golden}: mean {mean:.2f}, {share:.2%} pixels"


def test_golden_comparison_detects_a_changed_document(rendered, tmp_path):
    """The comparison is not vacuous: the reminder's first page is not the notice's."""
    a = first_page_png(rendered["notice"], str(tmp_path / "a"))
    b = first_page_png(rendered["record"], str(tmp_path / "b"))
    mean, share = image_difference(a, b)
    assert mean >= 2.0 or share >= 0.01


def red_pixels(pdf, tmp_path, page=1):
    """Size of the page image at 20 dpi and the (x, y) of its red pixels."""
    prefix = str(tmp_path / f"colour{page}")
    subprocess.run(["pdftoppm", "-r", "20", "-png", "-f", str(page), "-l", str(page), "-singlefile", pdf, prefix],
                   check=True)
    w, h, bpp, rows = read_png(prefix + ".png")
    assert bpp == 3
    return w, h, [(x // 3, y) for y, r in enumerate(rows) for x in range(0, len(r), 3)
                  if r[x] > 170 and r[x + 1] < 110 and r[x + 2] < 110]


def test_notice_has_red_header_and_rule_in_the_upper_page(rendered, tmp_path):
    w, h, red = red_pixels(rendered["notice"], tmp_path)
    assert len(red) > 50
    ys = [y for _, y in red]
    # the header starts 72 mm from the top (天头 37 mm + 35 mm) and the rule sits above the title
    assert min(ys) > h * 60 / 297 and max(ys) < h * 130 / 297, (min(ys), max(ys), h)


def test_record_shows_red_seal(rendered, tmp_path):
    pages = int(pdf_info(rendered["record"])["Pages"])
    found = sum(len(red_pixels(rendered["record"], tmp_path, p)[2]) for p in range(1, pages + 1))
    assert found > 100


def test_render_refuses_unknown_kind_and_bad_model(tmp_path):
    p = render("memo", NOTICE, str(tmp_path / "x.pdf"))
    assert p.returncode != 0 and "unknown document kind" in p.stderr
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    p = render("notice", str(bad), str(tmp_path / "y.pdf"))
    assert p.returncode != 0 and "not a JSON object" in p.stderr
    assert not (tmp_path / "y.pdf").exists()


def test_signature_is_not_left_alone_on_a_page(rendered):
    """GB/T 9704-2012 7.3.5.4: the reminder's issuer and date stay on the page of the body's last line
    (the line spacing is tightened), and the 版记 may follow on the last page."""
    page1 = squash(subprocess.run(["pdftotext", "-raw", "-f", "1", "-l", "1", rendered["reminder"], "-"],
                                  capture_output=True, text=True, check=True).stdout)
    assert "列入督查事项" in page1 and "古城县人民政府办公室2026年11月23日" in page1, page1
