// Public entry of the poem card: import from here.
export { renderCard, cardToPngBlob, cardToJpegBlob, poemColumns, titleColumns, MAX_TITLE_COLUMNS, CARD_FONTS } from './poem-card.js';
export { drawSeal, sealCharacters } from './seal.js';
