// The classroom's form select and title field, for the forms a model can write: a 詞 (<词>) is
// offered when the model's vocabulary has that tag, else its option stays, disabled, with the
// reason; a 詞's title field suggests the 詞牌 of the table (a datalist); and what the page must
// say about the form when it starts (a 詞 the model cannot write, a title that is no 詞牌).

import { state, engine, findCipai, CI_TAG } from './page-state.js';
import { t } from './strings.js';
import { DEFAULT_CIPAI } from '../app/forms.js';

/** The form written instead of a 詞 the model cannot write. */
const FREE_VERSE = '<其他>';

export class FormSetup {
  /**
   * @param {{form: HTMLSelectElement, title: HTMLInputElement, cipaiNames: HTMLDataListElement}} els
   */
  constructor(els) {
    this.els = els;
    /**
     * Set when a link (or the form chosen before a model switch) asked for a 詞 and the model
     * loaded has no <词> token: the page writes free verse instead and says so, until the next
     * start or form change.
     */
    this.ciDropped = false;
  }

  /**
   * What the page must say about the form instead of its usual message, or null: a 詞 the model
   * cannot write, or a 詞 whose title is no 詞牌 (run without rules).
   * @returns {{key: string, vars: Record<string, string>} | null}
   */
  note() {
    if (this.ciDropped) return { key: 'status.noCiTag', vars: {} };
    if (state.formTag === CI_TAG && state.rules && !state.cipai) return { key: 'status.cipaiUnknown', vars: { name: state.title } };
    return null;
  }

  /** The prompt the setup row describes (its form tag and title). */
  read() {
    return { formTag: this.els.form.value, title: this.els.title.value.trim() };
  }

  /**
   * Shows a link's form tag (when the select has it) and title.
   * @param {{formTag?: string, title?: string}} s
   */
  show(s) {
    if (s.formTag && Array.from(this.els.form.options).some((o) => o.value === s.formTag)) this.els.form.value = s.formTag;
    if (s.title !== undefined) this.els.title.value = s.title;
  }

  /** The 詞 option of the form select. */
  ciOption() {
    return /** @type {HTMLOptionElement} */ (Array.from(this.els.form.options).find((o) => o.value === CI_TAG));
  }

  /**
   * Offers the 詞 when the model has the <词> token; else the option stays, disabled, with the
   * reason in its label, and a 詞 asked for (a link's) becomes free verse with a note.
   * @param {boolean} can
   */
  async offerCi(can) {
    const option = this.ciOption();
    option.disabled = !can;
    option.textContent = can ? t('form.ci') : t('form.ciNone');
    option.dataset.i18n = can ? 'form.ci' : 'form.ciNone';
    this.ciDropped = false;
    if (!can && this.els.form.value === CI_TAG) {
      this.els.form.value = FREE_VERSE;
      this.ciDropped = true;
    }
    await this.changed(false);
  }

  /**
   * The form select changed (or a model was loaded): a 詞 suggests the table's 詞牌 for its
   * title (a datalist); chosen in the select, it takes 浣溪沙 when the title is none of them (a
   * link's title stays: the page says it is no 詞牌 when it starts).
   * @param {boolean} chosen
   */
  async changed(chosen) {
    const { form, title, cipaiNames } = this.els;
    if (chosen) this.ciDropped = false;
    if (form.value !== CI_TAG) {
      title.removeAttribute('list');
      return;
    }
    const patterns = await engine.loadCipai().catch(() => []);
    if (!cipaiNames.options.length) {
      const names = [...new Set(patterns.map((p) => p.name))];
      cipaiNames.replaceChildren(...names.map((name) => new Option(name, name)));
    }
    title.setAttribute('list', cipaiNames.id);
    if (chosen && patterns.length && !(await findCipai(title.value.trim()))) title.value = DEFAULT_CIPAI;
  }
}
