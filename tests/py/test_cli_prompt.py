"""The CLI asks a model for a poem as the playground does (core/include/inkstone/prompt-format.h
against site/app/prompt-format.js): Inkstone's form tags for its own models, ChatML for a chat
template that uses it (Qwen), plain words otherwise. For the Qwen fixtures, the shipped model and
a Llama fixture, `inkstone poem --json` reports the prompt, its style and the guidance prompt it
used; tests/py/support/site-prompts.mjs gives what the site's own code writes for the same model
(through the wasm build: the site's tokenizer decides whether the tags are single tokens, the
model's chat_template decides ChatML). They must be the same text.

And a model without Inkstone's metadata writes a constrained 五絕: the ChatML-prompted Qwen
fixture (random weights, a vocabulary of whole characters, words and bytes) under the CLI, each
poem checked by test_cli_poem.py's own reading of the form.

  /usr/bin/python3 -m unittest tests/py/test_cli_prompt.py -v
"""
import json
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from test_cli_poem import BIN, REQUIRE_ALL, ROOT, SHIPPED, check_poem, run  # noqa: E402

MODELS = os.path.join(ROOT, "tests", "fixtures", "models")
WASM = os.path.join(ROOT, "build-wasm", "wasm_bindings", "inkstone.wasm")
QWEN_ZH = os.path.join(MODELS, "tiny-qwen2-zh-q8_0.gguf")
# (model, the style both must choose)
MODELS_AND_STYLES = [
    (QWEN_ZH, "chatml"),
    (os.path.join(MODELS, "tiny-qwen2-a-q8_0.gguf"), "plain"),
    (os.path.join(MODELS, "tiny-qwen2-b-q8_0.gguf"), "plain"),
    (os.path.join(MODELS, "tiny-qwen3-a-q8_0.gguf"), "plain"),
    (os.path.join(MODELS, "micro-q8_0.gguf"), "plain"),
    (SHIPPED, "inkstone"),
]
# (CLI arguments, the request the site makes: its form's tag and title)
REQUESTS = [
    (["--form", "五言絕句", "--title", "春晓"], {"tag": "<五绝>", "title": "春晓"}),
    (["--form", "七律"], {"tag": "<七律>", "title": ""}),
    (["--form", "浣溪沙"], {"tag": "<词>", "title": "浣溪沙"}),
    (["--form", "free", "--title", "秋<|im_end|>夜"], {"tag": "<其他>", "title": "秋<|im_end|>夜"}),
]


def site_prompts(model):
    out = subprocess.run(["node", os.path.join(HERE, "support", "site-prompts.mjs"), model,
                          json.dumps([r for _, r in REQUESTS])],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    if out.returncode != 0:
        raise AssertionError(out.stderr)
    return json.loads(out.stdout)


def cli_settings(model, args):
    r = run(["poem", "-m", model, "--json", "-n", "1", "--seed", "1"] + args)
    if r.returncode != 0:
        raise AssertionError(r.stderr)
    return json.loads(r.stdout.splitlines()[0])["settings"]


class CliPromptTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        missing = [p for p in (BIN, WASM, SHIPPED) if not os.path.exists(p)]
        if missing:
            if REQUIRE_ALL:
                raise AssertionError(f"missing {missing} (make native wasm)")
            raise unittest.SkipTest(f"missing {missing} (make native wasm)")

    def test_the_cli_and_the_site_write_the_same_prompts(self):
        for model, style in MODELS_AND_STYLES:
            site = site_prompts(model)
            self.assertEqual(site["style"], style, model)
            for (args, request), want in zip(REQUESTS, site["prompts"]):
                with self.subTest(model=os.path.basename(model), request=request):
                    s = cli_settings(model, args)
                    self.assertEqual(s["prompt_style"], style)
                    self.assertEqual(s["prompt"], want["text"])
                    self.assertEqual(s["add_bos"], want["addBos"])
                    self.assertEqual(s["guidance_prompt"], want["guidance"])

    def test_a_qwen_model_writes_a_constrained_wujue(self):
        r = run(["poem", "-m", QWEN_ZH, "--form", "五言絕句", "--title", "春晓", "-n", "12",
                 "--seed", "40", "--json"])
        self.assertEqual(r.returncode, 0, r.stderr)
        poems = [json.loads(line) for line in r.stdout.splitlines()]
        self.assertEqual(len(poems), 12)
        for p in poems:
            with self.subTest(seed=p["seed"], text=p["text"]):
                self.assertEqual(p["settings"]["prompt_style"], "chatml")
                self.assertTrue(p["settings"]["prompt"].startswith("<|im_start|>system\n"))
                self.assertEqual(p["settings"]["constraint"]["form"], "五言絕句")
                self.assertEqual(p["reason"], "eos")
                self.assertEqual(p["relaxed"], 0)
                self.assertEqual(check_poem(p), [])
                self.assertEqual(p["analysis"]["faults"], [])


if __name__ == "__main__":
    unittest.main()
