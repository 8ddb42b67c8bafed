import re
from ckanext.nakano.tests.reuses.test_pages import *  # noqa

def test_dump(app, ward):
    published()
    page = app.get("/showcase", query_string={"sort": "title"}).body
    i = page.find('<article class="module nakano-reuses">')
    print(page[i:i+6000])
    j = page.find('<aside')
    print(page[j:j+1500])
