package io.colloquy.client;

/**
 * The answer to a get-or-create by key.
 *
 * @param dialogue the dialogue holding the key
 * @param created true when this call created it, false when it was there
 */
public record DialogueByKey(Dialogue dialogue, boolean created) {}
