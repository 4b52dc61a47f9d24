// The prosody overlay: a mark under each character of the poem for its tone (○ 平 level,
// ● 仄 oblique, ◐ either), a ring on the rhyme positions, and the faults of regulated verse
// (失黏, 失對, 孤平, 三平尾, 出韵 …) in vermilion, with a short list under the poem. A 詞 that
// changes rhyme (菩薩蠻: 仄 平 仄 平) has its rhyme slots told apart: data-slot on each rhyme
// position, a ring of its own colour per slot.
//
// Faults and rhymes come from the wasm analyser (client.analyse → analysePoem). The worker runs
// one request at a time, so while a poem is streaming the analyser cannot answer; meanwhile the
// tone marks come from the same table the analyser reads (assets/prosody/tones.tsv), and the
// full analysis replaces them as soon as the poem is finished.

/** @typedef {import('../web/protocol.js').PoemAnalysis} PoemAnalysis */

const MARKS = { P: '○', Z: '●', B: '◐' };

/**
 * @param {string} text
 * @returns {Map<string, string>}
 */
function parseTones(text) {
  const map = new Map();
  for (const line of text.split('\n')) {
    if (!line || line[0] === '#' || line[0] === '@') continue;
    const tab = line.indexOf('\t');
    if (tab > 0) map.set(line.slice(0, tab), line.slice(tab + 1).trim());
  }
  return map;
}

export class ProsodyOverlay {
  /**
   * @param {HTMLElement} article  the poem element (gets class show-prosody)
   * @param {HTMLElement} faultList  where the faults are listed
   * @param {string} base          URL of assets/prosody/
   */
  constructor(article, faultList, base) {
    this.article = article;
    this.faultList = faultList;
    this.base = base;
    this.enabled = false;
    /** @type {Promise<Map<string, string>> | null} */
    this.tones = null;
    this.generation = 0;
  }

  /**
   * Disables rhyme books whose table is not deployed.
   * @param {HTMLSelectElement} select
   */
  async init(select) {
    for (const option of select.options) {
      try {
        const r = await fetch(new URL(`rhyme-${option.value}.tsv`, this.base), { method: 'HEAD' });
        option.disabled = !r.ok;
      } catch {
        option.disabled = true;
      }
    }
    if (select.selectedOptions[0] && select.selectedOptions[0].disabled) {
      const first = [...select.options].find((o) => !o.disabled);
      if (first) select.value = first.value;
    }
  }

  /** @param {boolean} on */
  setEnabled(on) {
    this.enabled = on;
    this.article.classList.toggle('show-prosody', on);
    this.faultList.hidden = !on || this.faultList.childElementCount === 0;
  }

  #toneTable() {
    if (!this.tones) {
      this.tones = fetch(new URL('tones.tsv', this.base))
        .then((r) => (r.ok ? r.text() : ''))
        .then(parseTones)
        .catch(() => new Map());
    }
    return this.tones;
  }

  /**
   * Marks the poem's characters.
   * @param {HTMLElement} body   the poem body (its .line elements hold .ch cells)
   * @param {string} text        the poem text (Simplified)
   * @param {{live: boolean, analyse: ((text: string) => Promise<PoemAnalysis>) | null,
   *          label: (fault: {name: string, line: number, column: number, message: string}) => string}} how
   */
  async update(body, text, how) {
    if (!this.enabled) return;
    const generation = ++this.generation;
    const lines = [...body.querySelectorAll('.line')].map(
      (l) => /** @type {HTMLElement[]} */ ([...l.querySelectorAll('.ch')]),
    );
    /** @type {PoemAnalysis | null} */
    let analysis = null;
    if (!how.live && how.analyse && text) {
      try {
        analysis = await how.analyse(text);
      } catch {
        analysis = null;
      }
    }
    const tones = analysis ? null : await this.#toneTable();
    if (generation !== this.generation) return;

    for (const [li, cells] of lines.entries()) {
      cells.forEach((cell, ci) => {
        const a = analysis && analysis.lines[li] ? analysis.lines[li][ci] : undefined;
        const tone = a ? a.tone : (tones && tones.get(cell.dataset.ch || '')) || '?';
        cell.dataset.tone = tone;
        cell.dataset.mark = MARKS[/** @type {'P'|'Z'|'B'} */ (tone)] || '·';
        delete cell.dataset.fault;
        delete cell.dataset.rhyme;
        delete cell.dataset.slot;
        cell.removeAttribute('title');
        if (a && a.rhyme) cell.dataset.rhyme = 'ok';
        if (a && a.rhyme && a.slot !== undefined) cell.dataset.slot = String(a.slot);
      });
    }
    this.faultList.replaceChildren();
    if (analysis) {
      for (const fault of analysis.faults) {
        const cell = lines[fault.line] && lines[fault.line][fault.column];
        if (cell) {
          cell.dataset.fault = fault.kind;
          cell.title = fault.name;
          if (cell.dataset.rhyme) cell.dataset.rhyme = 'fault';
        }
        const li = document.createElement('li');
        li.textContent = how.label(fault);
        this.faultList.append(li);
      }
    }
    this.faultList.hidden = this.faultList.childElementCount === 0;
    // What the marks say: 'analysed' (the analyser's verdict, faults listed) or 'tones' (tone
    // marks from the table only, while a poem streams).
    this.article.dataset.prosody = analysis ? 'analysed' : 'tones';
    if (analysis) {
      // The verdict's form and 詞牌 ('name' or 'name/variant'), for tests and the curious.
      const c = analysis.cipai;
      this.article.dataset.analysedForm = analysis.form;
      this.article.dataset.analysedCipai = c ? (c.variant ? `${c.name}/${c.variant}` : c.name) : '';
    }
  }

  /** Removes every mark (a new poem starts). */
  clear() {
    this.generation++;
    delete this.article.dataset.prosody;
    delete this.article.dataset.analysedForm;
    delete this.article.dataset.analysedCipai;
    this.faultList.replaceChildren();
    this.faultList.hidden = true;
  }
}
