package ui_test

import (
	"context"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

func cdpCallEmulation(ctx context.Context, tg *chromedp.Target, p emulation.SetEmulatedMediaParams) (any, error) {
	return cdp.Call(ctx, tg, emulation.SetEmulatedMedia, p)
}
