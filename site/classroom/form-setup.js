// The classroom's form select and title field, for the forms a model can write: a 詞 (<词>) is
// offered when the model's vocabulary has that tag, else its option stays, disabled, with the
// reason; a 詞's title field suggests the 詞牌 of the table (a datalist), and a 詞牌 with 又一體
// (other forms of the tune, each a row of the table) offers them in a select; and what the page
// must say about the form when it starts (a 詞 the model cannot write, a title that is no 詞牌).

import { state, engine, findCipai, CI_TAG } from './page-state.js';
import { t } from './strings.js';
import { DEFAULT_CIPAI } from '../app/forms.js';

/** The form written instead of a 詞 the model cannot write. */
const FREE_VERSE = '<其他>';

export class FormSetup {
  /**
   * @param {{form: HTMLSelectElement, title: HTMLInputElement, cipaiNames: HTMLDataListElement,
   *          variant: HTMLSelectElement, variantField: HTMLElement}} els
   */
  constructor(els) {
    this.els = els;
    /**
     * Set when a link (or the form chosen before a model switch) asked for a 詞 and the model
     * loaded has no <词> token: the page writes free verse instead and says so, until the next
     * start or form change.
     */
    this.ciDropped = false;
    /** The 詞牌 the variant select lists the forms of (null: none). @type {string | null} */
    this.variantsOf = null;
    /** The latest listVariants, awaited before the setup row is read. @type {Promise<void>} */
    this.listing = Promise.resolve();
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

  /** The prompt the setup row describes (its form tag, title and, for a 詞, the 詞牌's form). */
  read() {
    const { form, title, variant, variantField } = this.els;
    const chosen = form.value === CI_TAG && !variantField.hidden ? Number(variant.value) || 0 : 0;
    return { formTag: form.value, title: title.value.trim(), variant: chosen };
  }

  /**
   * Shows a link's form tag (when the select has it) and title (its 又一體: listVariants, once
   * the table is there).
   * @param {{formTag?: string, title?: string}} s
   */
  show(s) {
    if (s.formTag && Array.from(this.els.form.options).some((o) => o.value === s.formTag)) this.els.form.value = s.formTag;
    if (s.title !== undefined) this.els.title.value = s.title;
  }

  /**
   * The forms of the 詞牌 in the title field (its rows of the table: 0 the main form, then the
   * 又一體), in the variant select, shown when there is more than one. Selects `want` when the
   * 詞牌 has it; without `want`, keeps the form chosen if the 詞牌 is the one listed, else the
   * main form (又一體 numbers of two 詞牌 are unrelated).
   * @param {number} [want]
   */
  listVariants(want) {
    this.listing = this.listing.catch(() => {}).then(() => this.#list(want));
    return this.listing;
  }

  /** Waits for the variant select to describe the title field. */
  settled() {
    return this.listing.catch(() => {});
  }

  /** @param {number} [want] */
  async #list(want) {
    const { form, title, variant, variantField } = this.els;
    const name = form.value === CI_TAG ? await findCipai(title.value.trim()) : null;
    const keep = want ?? (name !== null && name === this.variantsOf ? Number(variant.value) || 0 : 0);
    this.variantsOf = name;
    const patterns = name ? (await engine.loadCipai().catch(() => [])).filter((p) => p.name === name) : [];
    const forms = patterns.map((p) => p.variant).sort((a, b) => a - b);
    variant.replaceChildren(...forms.map((v) => {
      const option = new Option(v ? t('variant.other', { n: String(v) }) : t('variant.main'), String(v));
      option.dataset.i18n = v ? 'variant.other' : 'variant.main';
      if (v) option.dataset.i18nN = String(v);
      return option;
    }));
    variant.value = String(forms.includes(keep) ? keep : 0);
    variantField.hidden = forms.length < 2;
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
      await this.listVariants(0);
      return;
    }
    const patterns = await engine.loadCipai().catch(() => []);
    if (!cipaiNames.options.length) {
      const names = [...new Set(patterns.map((p) => p.name))];
      cipaiNames.replaceChildren(...names.map((name) => new Option(name, name)));
    }
    title.setAttribute('list', cipaiNames.id);
    if (chosen && patterns.length && !(await findCipai(title.value.trim()))) title.value = DEFAULT_CIPAI;
    await this.listVariants();
  }
}
