"""The browser the page tests use is there and renders Chinese from local fonts."""


def test_chromium_renders_a_page(page_at):
    page = page_at(640, 360)
    page.set_content("<html><body><h1 id=t>请 A012 号到 3 号窗口办理</h1></body></html>")
    assert page.locator("#t").inner_text() == "请 A012 号到 3 号窗口办理"
    assert page.evaluate("document.fonts.check('16px sans-serif', '请')")
