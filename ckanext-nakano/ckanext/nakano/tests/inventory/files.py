"""Register files as section clerks keep them: an explanatory line above the header,
variant headers, full-width digits and spaces, 和暦, ○/×, blank rows at the end."""
from __future__ import annotations

import csv
import io

import openpyxl

HEADER = ["管理番号", "データ名称", "担当課", "概要", "保有形式", "更新頻度", "件数・規模", "標準データセット",
          "個人情報", "公開できない列", "公開状況", "非公開理由", "非公開理由の説明", "公開予定時期", "公開先URL",
          "公表", "公表しない理由", "内部メモ"]
ROWS = [
    ["ＫＫ－００１", "区有施設一覧", "施設課", "区の施設の名称・所在地", "業務システム", "年1回", "約300件",
     "公共施設一覧", "含まない", "", "公開予定", "", "", "令和20年4月", "", "○", "", "システム更新後に出力"],
    ["KK-002", "住民基本台帳", "戸籍住民課", "住民の記録", "業務システム", "随時", "約34万人", "", "含む",
     "氏名、住所", "非公開", "個人情報", "", "", "", "○", "", ""],
    ["KK-003", "区政概要", "企画課", "区の概要（冊子）", "紙", "毎年", "", "", "含まない", "", "公開済(PDF・ウェブページ等)", "",
     "", "", "https://www.city.tokyo-nakano.lg.jp/kusei/", "可", "", ""],
    ["KK-004", "施設予約の利用実績", "施設課", "", "データベース", "毎月", "", "", "加工すれば公開可", "", "検討中",
     "その他", "予約システムの更新を待って判断する", "", "", "○", "", ""],
    ["KK-005", "庁舎の警備計画", "総務課", "", "Excel・CSV 等のファイル", "不定期", "", "", "含まない", "", "非公開",
     "公共の安全等", "", "", "", "×", "所在の公表も警備上の支障があるため", "係内のみ"],
    ["KK-006", "AED設置場所", "企画課", "", "Excel", "R20.4", "", "AED設置箇所一覧", "無", "", "公開予定", "", "",
     "R20.4", "", "する", "", ""],
]
EXPLANATION = ["中野区 保有データ一覧（令和8年度）　※管理番号は変更しないでください"]


def table(rows: list[list[str]] | None = None, header: list[str] | None = None) -> list[list[str]]:
    return [EXPLANATION, header or HEADER, *(ROWS if rows is None else rows), [""] * len(HEADER), []]


def cp932_csv(rows: list[list[str]] | None = None, header: list[str] | None = None) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(table(rows, header))
    return out.getvalue().encode("cp932")


def xlsx(rows: list[list[str]] | None = None, header: list[str] | None = None) -> bytes:
    book = openpyxl.Workbook()
    cover = book.active
    cover.title = "説明"
    cover.append(["この台帳は毎年度更新します。"])
    sheet = book.create_sheet("台帳")
    for row in table(rows, header):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
