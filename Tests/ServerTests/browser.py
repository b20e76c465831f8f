"""Opens the pages of `runledger serve` in Debian's headless chromium (through Selenium and
chromedriver) and reports what the browser shows, as JSON on stdout; the Swift test
(BrowserTests.swift) checks it. Screenshots go to the directory given.

usage: browser.py BASE_URL SCREENSHOTS CONFIG_JSON
CONFIG_JSON: {"done": run id, "job": a job, "failing_job": job, "live": active run id,
              "transition": [argv of the CLI transition to make], "live_state": the state it enters}
"""

import json
import subprocess
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

base, shots, config = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])

options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1300,1000", "--hide-scrollbars"):
    options.add_argument(argument)
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
driver.set_page_load_timeout(30)
report = {}
try:
    # The run page: the timeline's segments of the run's own lane, in order.
    driver.get(f"{base}/runs/{config['done']}")
    lane = driver.find_element(By.CSS_SELECTOR, "#timeline g.lane[data-kind='run']")
    stays = lane.find_elements(By.CSS_SELECTOR, "g.stay")
    report["run_stays"] = [
        {"state": s.get_attribute("data-state"), "label": s.get_attribute("data-label"),
         "text": s.find_element(By.TAG_NAME, "text").text,
         "width": float(s.find_element(By.TAG_NAME, "rect").get_attribute("width")),
         "fill": s.find_element(By.TAG_NAME, "rect").get_attribute("fill")}
        for s in stays]
    report["history_rows"] = len(driver.find_elements(By.CSS_SELECTOR, "#history tbody tr"))
    report["run_live"] = driver.find_element(By.ID, "run").get_attribute("data-live")
    # The local time on hover, set by the page's script.
    report["time_title"] = driver.find_element(By.CSS_SELECTOR, "#history time").get_attribute("title")
    driver.save_screenshot(f"{shots}/run-page.png")

    # The runs page: every run, then filtered through its form.
    driver.get(f"{base}/?limit=500")
    report["all_rows"] = [r.get_attribute("data-run") for r in driver.find_elements(By.CSS_SELECTOR, "#runs tbody tr")]
    driver.find_element(By.NAME, "job").send_keys(config["job"])
    Select(driver.find_element(By.NAME, "type")).select_by_value("FAILED")
    driver.find_element(By.CSS_SELECTOR, "form.filters button").click()
    WebDriverWait(driver, 10).until(lambda d: "type=FAILED" in d.current_url)
    report["filtered_url"] = driver.current_url
    report["filtered_rows"] = [
        {"id": r.get_attribute("data-run"), "job": r.find_element(By.CSS_SELECTOR, "td.job").text,
         "type": r.get_attribute("data-type")}
        for r in driver.find_elements(By.CSS_SELECTOR, "#runs tbody tr")]
    driver.save_screenshot(f"{shots}/runs-filtered.png")

    # The jobs page: the failing job's row, and another's.
    driver.get(f"{base}/jobs")
    rows = {}
    for row in driver.find_elements(By.CSS_SELECTOR, "#jobs tbody tr"):
        cell = row.find_element(By.CSS_SELECTOR, "td.job")
        rows[row.get_attribute("data-job")] = {
            "text": cell.text,
            "background": cell.value_of_css_property("background-color"),
            "color": cell.find_element(By.TAG_NAME, "a").value_of_css_property("color"),
        }
    report["jobs"] = rows
    driver.save_screenshot(f"{shots}/jobs-page.png")

    driver.get(f"{base}/timeline?since=1h")
    report["timeline_lanes"] = len(driver.find_elements(By.CSS_SELECTOR, "#timeline g.lane"))
    driver.save_screenshot(f"{shots}/timeline-page.png")
    driver.get(f"{base}/lifecycles/prefect")
    report["lifecycle_states"] = len(driver.find_elements(By.CSS_SELECTOR, "#graph g.state"))
    driver.save_screenshot(f"{shots}/lifecycle-page.png")

    # The live run page: a transition made with the CLI shows within 3 seconds.
    driver.get(f"{base}/runs/{config['live']}")
    report["live_before"] = driver.find_element(By.ID, "state").text
    subprocess.run(config["transition"], check=True, capture_output=True)
    made = time.monotonic()
    seen = None
    while time.monotonic() - made < 3.0:
        try:
            if driver.find_element(By.ID, "state").text == config["live_state"]:
                seen = time.monotonic() - made
                break
        except Exception:
            pass  # the content is being replaced
        time.sleep(0.05)
    report["live_seen_after"] = seen
    report["live_stays"] = [s.get_attribute("data-state") for s in driver.find_elements(
        By.CSS_SELECTOR, "#timeline g.lane[data-kind='run'] g.stay")]
    report["live_after"] = driver.find_element(By.ID, "run").get_attribute("data-live")
    driver.save_screenshot(f"{shots}/live-run-page.png")
finally:
    driver.quit()
print(json.dumps(report))
